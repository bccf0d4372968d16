"""Baseline for the benches: the smallest Kivy app. It exits at its first
frame, or with --stay keeps running (bench/idle_cpu.py)."""
import os
import sys
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
        if "--stay" not in sys.argv:
            self.stop()


if __name__ == "__main__":
    HelloApp().run()
