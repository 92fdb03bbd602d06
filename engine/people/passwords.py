"""What a password must be before it is set (issue 25): at least MIN_LENGTH characters, following the
NCSC's advice of length over complexity rules; not all white space; not one of the common passwords
of data/common_passwords.txt (which guessers try first). Signing in never checks these: a person
whose old password is weak still signs in, and is refused only when a new one is set."""
from functools import cache
from pathlib import Path

from engine.errors import EngineError

MIN_LENGTH = 12
MAX_LENGTH = 200  # argon2 takes any length; this bounds the work one request can ask for
COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


class WeakPassword(EngineError):
    status, title = 422, "Password refused"


def password_problem(password: str) -> str | None:
    """Why `password` may not be set, in a sentence; None when it may."""
    if not password.strip():
        return "the password is empty or only spaces"
    if len(password) < MIN_LENGTH:
        return f"the password has {len(password)} characters; it needs at least {MIN_LENGTH}"
    if len(password) > MAX_LENGTH:
        return f"the password has {len(password)} characters; at most {MAX_LENGTH}"
    if " ".join(password.lower().split()) in common_passwords():
        return "the password is one of the most common passwords, which are guessed first"
    return None


def check_password(password: str) -> None:
    """Raises WeakPassword naming the problem (422, the field `password`)."""
    problem = password_problem(password)
    if problem:
        raise WeakPassword(problem, {"password": [problem]})


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))
