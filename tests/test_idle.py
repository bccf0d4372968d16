from kiosk.idle import IdleEvent, IdleState, IdleWatchdog


def dog():
    return IdleWatchdog(timeout=60, countdown=30, attract_after=180)


def test_prompt_after_timeout_then_expire_after_countdown():
    w = dog()
    assert w.tick(59.9, on_home=False) is None
    assert w.tick(60, on_home=False) is IdleEvent.PROMPT
    assert w.state is IdleState.PROMPTING
    assert w.seconds_left(60) == 30
    assert w.tick(70.2, on_home=False) is IdleEvent.COUNTDOWN
    assert w.seconds_left(70.2) == 20  # rounds up: never shows 0 while waiting
    assert w.tick(89.9, on_home=False) is IdleEvent.COUNTDOWN
    assert w.tick(90, on_home=False) is IdleEvent.EXPIRE
    assert w.state is IdleState.ACTIVE


def test_a_touch_restarts_the_wait_and_ends_the_prompt():
    w = dog()
    w.tick(30, on_home=False)
    assert w.activity(40) is None
    assert w.tick(99, on_home=False) is None  # 59 s after the touch
    assert w.tick(100, on_home=False) is IdleEvent.PROMPT
    assert w.activity(105) is IdleEvent.WAKE
    assert w.state is IdleState.ACTIVE
    assert w.tick(164, on_home=False) is None


def test_home_never_prompts_but_starts_the_attract_loop():
    w = dog()
    assert w.tick(179, on_home=True) is None
    assert w.tick(180, on_home=True) is IdleEvent.ATTRACT
    assert w.tick(500, on_home=True) is None  # stays in the loop quietly
    assert w.activity(501) is IdleEvent.WAKE
    assert w.tick(600, on_home=True) is None


def test_after_expiry_the_attract_timer_counts_from_going_home():
    w = dog()
    w.tick(60, on_home=False)
    assert w.tick(90, on_home=False) is IdleEvent.EXPIRE
    assert w.tick(269, on_home=True) is None
    assert w.tick(270, on_home=True) is IdleEvent.ATTRACT


def test_a_screens_policy_prompts_sooner_with_its_own_countdown():
    from kiosk.idle import IdlePolicy
    w = IdleWatchdog(timeout=60, countdown=30, attract_after=180)
    passbook = IdlePolicy(prompt_after=30, countdown=20)
    assert w.tick(29.9, on_home=False, policy=passbook) is None
    assert w.tick(30, on_home=False, policy=passbook) is IdleEvent.PROMPT
    assert w.seconds_left(30) == 20
    assert w.tick(49.9, on_home=False, policy=passbook) is IdleEvent.COUNTDOWN
    assert w.activity(49.9) is IdleEvent.WAKE  # 继续: nothing is lost
    assert w.tick(79.8, on_home=False, policy=passbook) is None
    assert w.tick(79.9, on_home=False, policy=passbook) is IdleEvent.PROMPT
    assert w.tick(99.9, on_home=False, policy=passbook) is IdleEvent.EXPIRE
    assert w.tick(159.8, on_home=False) is None  # elsewhere the kiosk's own timeout and countdown
    assert w.tick(159.9, on_home=False) is IdleEvent.PROMPT and w.seconds_left(159.9) == 30
