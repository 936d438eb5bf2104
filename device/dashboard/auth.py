"""Passwords, login sessions, CSRF tokens and the login rate limit.

- Passwords: PBKDF2-HMAC-SHA256 from the standard library, 600 000 iterations
  (OWASP's 2023 figure for this hash), a 16-byte random salt each; the
  iteration count is stored with the hash so it can be raised later.
- A login is a random 32-byte token in an HttpOnly, SameSite=Strict cookie;
  the server keeps only its SHA-256 (a copy of the clinic file does not log
  anyone in) with an expiry and the login's own CSRF token.
- CSRF: every request that changes something must carry that token (form field
  ``csrf`` or header ``X-CSRF-Token``), compared in constant time. SameSite=Strict
  already keeps other sites' requests cookieless; the token is the second lock.
- Rate limit: 5 failed logins per 5 minutes per client address and per user
  name; then 429 with Retry-After, before any hashing is done.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Optional

ITERATIONS = 600_000
MIN_PASSWORD = 10


class PasswordError(ValueError):
    pass


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    check_password_strength(password)
    salt = secrets.token_bytes(16)
    dk = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"pbkdf2_sha256${iterations}${b64(salt)}${b64(dk)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, iters, salt, dk = stored.split("$")
        if algo != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt), int(iters))
        return hmac.compare_digest(got, base64.b64decode(dk))
    except (ValueError, TypeError):
        return False


# Spent on an unknown user name too, so the answer time does not tell which names exist.
_DUMMY = None


def dummy_verify(password: str) -> None:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password("x" * MIN_PASSWORD)
    verify_password(password, _DUMMY)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordError(f"the password must have at least {MIN_PASSWORD} characters")
    if password.strip() != password:
        raise PasswordError("the password must not start or end with a space (a copy-and-paste slip?)")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def csrf_ok(expected: Optional[str], given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class RateLimiter:
    """Failed attempts per key in a sliding window; thread-safe, in memory (a restart forgets)."""

    def __init__(self, limit: int = 5, window_s: float = 300.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> float:
        """Seconds until these keys may try again; 0 if they may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for k in keys:
                q = self._fails.get(k)
                if not q:
                    continue
                while q and now - q[0] > self.window_s:
                    q.popleft()
                if len(q) >= self.limit:
                    wait = max(wait, self.window_s - (now - q[0]))
        return wait

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for k in keys:
                self._fails[k].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)
