"""One shape for a refusal from a service: a stable code for programs and a
Chinese message for the screen."""


class ServiceError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# What a visitor reads when the kiosk's own database refused a write. The
# transaction rolled back, so nothing of it was kept, and the form is still
# on the screen: each says so, and what to do next.
STORAGE_WORDS = {
    "disk_full": "本机存储空间已满，这次没有保存。您填写的内容都还在，请联系工作人员处理后再提交。",
    "busy": "系统正忙，这次没有保存。您填写的内容都还在，请稍等几秒再提交一次。",
    "io_error": "本机存储出现故障，这次没有保存。您填写的内容都还在，请联系工作人员。",
}


class StorageFault(ServiceError):
    """The kiosk's database could not take a write (disk full, locked, an I/O
    error): a refusal of every service, shown where the visitor tapped."""

    def __init__(self, code: str):
        super().__init__(code, STORAGE_WORDS[code])
