"""Every error the server answers: application/problem+json (RFC 9457)
with a stable type, never a stack trace, a token or the request's data."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import PROBLEM_BASE

# the problem types this server answers with, for the OpenAPI document
TYPES = {
    "malformed": "请求不是有效的 JSON", "invalid": "请求格式不符合协议", "version": "协议版本不受支持",
    "unknown-type": "未知的变更类型", "id-reused": "同一个变更编号带来了不同的内容",
    "too-large": "请求太大", "length-required": "请求需要注明长度", "unauthorized": "未知或已停用的终端令牌，或未登录",
    "forbidden": "没有这项操作的权限", "staff-refused": "值班人员身份未通过服务器核对",
    "challenge-refused": "登录请求已失效，请重新登录", "sign-in-failed": "用户名或密码不正确",
    "refused": "办公室的变更没有通过核对", "not-found": "没有这条记录", "slow-down": "请求太频繁", "http": "路径或方法不存在",
    "internal": "服务器内部错误",
}


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str = "", headers: dict | None = None):
        super().__init__(title)
        self.status, self.kind, self.title, self.detail, self.headers = status, kind, title, detail, headers


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None


def response(p: Problem) -> JSONResponse:
    body = {"type": PROBLEM_BASE + p.kind, "title": p.title, "status": p.status}
    if p.detail:
        body["detail"] = p.detail
    return JSONResponse(body, status_code=p.status, media_type="application/problem+json",
                        headers=p.headers)


def inline_schema(model: type[BaseModel]) -> dict:
    """The model's JSON schema with its $defs inlined: openapi_extra is copied
    into the document as is, where "#/$defs/..." would not resolve."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node
    return inline(schema)


def documented(*statuses: int) -> dict:
    """The documented error responses: application/problem+json, with the known types."""
    schema = inline_schema(ProblemOut)
    schema["properties"]["type"]["examples"] = [PROBLEM_BASE + kind for kind in TYPES]
    doc = {"description": "problem+json; type is one of " + ", ".join(sorted(TYPES)),
           "content": {"application/problem+json": {"schema": schema}}}
    return {status: dict(doc) for status in statuses}


def install(app: FastAPI, page=None) -> None:
    """page(request, problem): how a browser path (the console) answers
    instead; the APIs always answer problem+json."""
    def answer(request, p: Problem):
        if page is not None and request.url.path.startswith("/console"):
            return page(request, p)
        return response(p)

    @app.exception_handler(Problem)
    async def _problem(request, exc: Problem):
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, _exc):  # a parameter out of range; no echo of the input
        return answer(request, Problem(422, "invalid", "请求格式不符合协议"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):  # unknown path, wrong method
        return answer(request, Problem(exc.status_code, "http", str(exc.detail), headers=exc.headers))

    @app.exception_handler(Exception)
    async def _unexpected(request, _exc):  # never a stack trace (or a token) to the client
        return answer(request, Problem(500, "internal", "服务器内部错误"))
