"""Sign-in limits per account and per address (app/services/throttle.py): a guesser is stopped, the
right password from elsewhere still gets in, and one guesser behind a shared address locks out nobody else."""

from __future__ import annotations

from app.services.throttle import account_key
from tests.factories import PASSWORD, UserFactory


def _login(browser, email: str, password: str, address: str):
    return browser.post("/auth/login", {"email": email, "password": password},
                        environ_base={"REMOTE_ADDR": address})


def test_a_locked_account_still_lets_the_right_password_in_from_an_address_that_has_not_failed(browser):
    user = UserFactory()
    attackers = [f"203.0.113.{n}" for n in range(1, 6)]
    for address in attackers:  # 4 guesses from each of 5 addresses: 20, the account's limit
        for guess in range(4):
            assert _login(browser, user.email, f"guess {guess}", address).status_code == 401
    for address in attackers:  # every address that has failed on it is refused, right password or not
        response = _login(browser, user.email, PASSWORD, address)
        assert response.status_code == 429
        assert "Too many failed sign-ins to this account" in response.get_data(as_text=True)
    assert _login(browser, user.email, PASSWORD, "198.51.100.7").status_code == 302  # the official's office


def test_a_new_address_gets_one_wrong_guess_at_a_locked_account_then_is_refused(browser):
    user = UserFactory()
    for n in range(20):
        _login(browser, user.email, "guess", f"203.0.113.{n}")
    assert _login(browser, user.email, "another guess", "192.0.2.1").status_code == 401
    assert _login(browser, user.email, PASSWORD, "192.0.2.1").status_code == 429


def test_one_guesser_behind_a_shared_address_does_not_lock_out_colleagues(browser):
    ministry = "198.51.100.20"
    victim, colleague = UserFactory(), UserFactory()
    for guess in range(8):
        _login(browser, victim.email, f"guess {guess}", ministry)
    for n in range(40):  # and one guess at each of 40 more addresses, some of them nobody's
        _login(browser, f"someone{n}@example.org", "guess", ministry)
    assert _login(browser, victim.email, PASSWORD, ministry).status_code == 429  # the guessed account
    assert _login(browser, colleague.email, PASSWORD, ministry).status_code == 302  # everyone else


def test_unknown_addresses_are_limited_exactly_like_known_ones(browser):
    known = UserFactory()
    answers = {}
    for email in (known.email, "nobody-here@example.org"):
        answers[email] = [_login(browser, email, "wrong", "192.0.2.50").status_code for _ in range(7)]
    assert answers[known.email] == answers["nobody-here@example.org"] == [401] * 5 + [429] * 2


def test_successful_sign_ins_are_never_counted(browser):
    user = UserFactory()
    for _ in range(30):
        assert _login(browser, user.email, PASSWORD, "192.0.2.60").status_code == 302
        browser.post("/auth/logout", token_from="/")


def test_the_limits_are_kept_by_a_hash_of_the_address_not_the_address(app):
    key = account_key("  Ana.Lima@Example.org ")
    assert key == account_key("ana.lima@example.org") and "@" not in key and "lima" not in key
