"""One shape for a refusal from a service: a stable code for programs and a
Chinese message for the screen."""


class ServiceError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
