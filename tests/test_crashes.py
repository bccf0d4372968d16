"""What the crash handler logs and when it stops the kiosk (kiosk/crashes.py)."""
from kiosk.crashes import CRASH_LIMIT, CRASH_WINDOW, CrashCounter, describe


def fail_with(phone: str) -> None:
    {"13800000000": 1}[phone]


def test_the_log_line_names_the_type_and_place_never_the_values():
    try:
        fail_with("13812345678")
    except KeyError as exc:
        line = describe(exc)
    assert line.startswith("KeyError at tests/test_crashes.py:")
    assert " fail_with < tests/test_crashes.py:" in line  # innermost frame first
    assert "13812345678" not in line


def test_a_library_error_names_its_module():
    import json
    try:
        json.loads("{张伟")
    except ValueError as exc:
        line = describe(exc)
    assert line.startswith("json.decoder.JSONDecodeError at json/decoder.py:") and "张伟" not in line


def test_errors_that_repeat_within_the_window_stop_the_kiosk():
    counter = CrashCounter()
    assert CRASH_LIMIT == 3
    assert [counter.record(t) for t in (0, 10, 20)] == [False, False, True]


def test_errors_spread_over_a_day_never_stop_it():
    counter = CrashCounter()
    assert not any(counter.record(t * (CRASH_WINDOW / 2 + 1)) for t in range(20))
