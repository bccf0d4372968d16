"""The kiosk's one handler for unexpected errors, on Kivy's ExceptionManager
(as Electrum's Kivy GUI does): App.run's main loop hands it whatever a tap, a
scheduled callback or a frame raised, and the kiosk goes on instead of dying.

An error is logged as its type and where (kiosk/crashes.py, never its values);
every screen forgets its form (its state is no longer to be trusted, and what
was typed is personal), the kiosk goes home and apologises. The third error
within five minutes shows 请联系工作人员 instead, for good: a fault that repeats
would otherwise loop. A service's refusal never comes here: StepScreen.run
shows it at the step (kiosk/ui/steps.py).
"""
from __future__ import annotations

import logging

from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock

from kiosk.crashes import CrashCounter, describe

log = logging.getLogger("kiosk")


class CrashGuard(ExceptionHandler):
    def __init__(self, app, counter: CrashCounter | None = None):
        super().__init__()
        self.app = app
        self.counter = counter or CrashCounter()
        self.notice = None  # the open CrashNotice
        self.out_of_order = None  # the OutOfOrder screen, once shown
        self._logged_while_out: set[str] = set()

    def install(self) -> None:
        ExceptionManager.add_handler(self)

    def remove(self) -> None:
        ExceptionManager.remove_handler(self)

    def handle_exception(self, inst):
        if not isinstance(inst, Exception):  # KeyboardInterrupt, SystemExit: the kiosk is being stopped
            return ExceptionManager.RAISE
        try:
            what = describe(inst)
            if self.out_of_order is not None:
                if what not in self._logged_while_out:  # a fault that fires every frame logs once
                    self._logged_while_out.add(what)
                    log.error("unexpected error while out of service: %s", what)
                return ExceptionManager.PASS
            too_many = self.counter.record(Clock.get_time())
            log.error("unexpected error (%d within %.0f s): %s", len(self.counter.times), self.counter.window,
                      what)
        except Exception:  # noqa: BLE001  (even describing it failed: count it, say nothing of it)
            too_many = True
        try:
            if too_many:
                log.critical("out of service after repeated errors: restart the kiosk")
                self.stop_serving()
            else:
                self.apologise()
        except Exception as exc:  # noqa: BLE001
            log.error("the way home failed too: %s", describe(exc))
            try:
                self.stop_serving()
            except Exception as last:  # noqa: BLE001  (nothing left to show: let systemd restart the kiosk)
                log.critical("cannot show the out-of-service screen: %s", describe(last))
                return ExceptionManager.RAISE
        return ExceptionManager.PASS

    def _forget_all(self) -> None:
        """Every screen drops its form and goes back to its first step, then home."""
        app = self.app
        app.idle_continue()  # closes an idle prompt or attract loop; the error came from a touch or a tick
        for screen in app.screens.built_screens():
            screen.reset()
        app.go_home()

    def apologise(self) -> None:
        """Home, with 抱歉，刚才出了点问题 over it."""
        from kiosk.ui.overlays import CrashNotice
        self._forget_all()
        if self.notice is not None:
            self.notice.dismiss()
        self.notice = CrashNotice()
        self.notice.open()

    def stop_serving(self) -> None:
        """请联系工作人员, which stays until the kiosk is restarted."""
        from kiosk.ui.overlays import OutOfOrder
        if self.out_of_order is not None:
            return
        for step in (self._forget_all, lambda: self.notice and self.notice.dismiss()):
            try:
                step()  # best effort: the screen below must not keep a resident's form
            except Exception as exc:  # noqa: BLE001
                log.error("clearing the screens failed: %s", describe(exc))
        self.out_of_order = OutOfOrder()
        self.out_of_order.open()
