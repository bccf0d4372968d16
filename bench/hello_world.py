"""Baseline for bench/startup.py: the smallest Kivy app, exiting at its first frame."""
import os
import tempfile
import time

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-hello-")

from kivy.app import App  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.uix.label import Label  # noqa: E402


class HelloApp(App):
    def build(self):
        Window.bind(on_flip=self.first_flip)
        return Label(text="Hello, world")

    def first_flip(self, *_args):
        Window.unbind(on_flip=self.first_flip)
        print(f"first_frame {time.perf_counter():.4f}", flush=True)
        self.stop()


if __name__ == "__main__":
    HelloApp().run()
