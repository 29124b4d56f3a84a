"""Login throttling that slows password guessing without letting anyone lock the owner out.

Failed logins are counted (Flask-Limiter's storage: in memory, or Redis shared by every worker):
- per account and client (LOGIN_LIMIT_PER_ACCOUNT): the client is the device cookie when the
  browser has one for that account, else the address, so one attacker's failures do not
  block the owner elsewhere;
- per account from every client without a device cookie for it (LOGIN_LIMIT_PER_ACCOUNT_NEW_DEVICES),
  against guessing spread over many addresses;
- per address from clients without a device cookie (LOGIN_LIMIT_PER_IP), generous enough for
  a training room of 60 people behind one address.
A known device (a signed cookie set at a successful sign-in to that account) counts only its
own failures, so the owner's phone gets in whatever others try. The address is the real
client's behind TRUSTED_PROXIES proxies (ProxyFix); IPv6 addresses count per /64 network.

PIN sign-ins (6 digits, so far easier to guess) have their own, much smaller counters
(PIN_LIMIT_PER_ACCOUNT, 5 wrong per 15 minutes, and PIN_LIMIT_PER_ACCOUNT_NEW_DEVICES, 10 an
hour, per login name) and add to the same per-address counter as passwords.
"""
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from flask import Response, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse

from ..extensions import limiter

DEVICE_COOKIE = "cunbo_device"
# Accounts a device cookie remembers (a family often shares one phone).
DEVICE_ACCOUNTS = 5


def client_address() -> str:
    """The client's address (set by ProxyFix behind trusted proxies); an IPv6 address as its
    /64 network, which one household or phone usually has to itself."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _account_tag(account: str) -> str:
    """A keyed digest of an account key: the cookie names accounts without showing them."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return hmac.new(key, b"login-device:" + account.encode(), hashlib.sha256).hexdigest()[:24]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="cunbo-login-device")


def _device_payload() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    max_age = int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400
    try:
        payload = _serializer().loads(raw, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), str) \
            or not isinstance(payload.get("a"), list):
        return None
    return payload


def known_device(account: str) -> str | None:
    """The device id when this browser signed in to `account` before, else None."""
    payload = _device_payload()
    if payload and _account_tag(account) in payload["a"]:
        return payload["d"]
    return None


def remember_device(response: Response, accounts: list[str]) -> None:
    """After a successful sign-in: this browser is a known device for these account keys."""
    payload = _device_payload() or {"d": secrets.token_hex(16), "a": []}
    tags = [_account_tag(account) for account in accounts]
    payload["a"] = (tags + [tag for tag in payload["a"] if tag not in tags])[:DEVICE_ACCOUNTS * 2]
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps(payload), max_age=int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400,
        path=url_for("auth.login"), httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"])


@dataclass(frozen=True)
class Limit:
    scope: str  # "account-client", "account" or "address"
    item: RateLimitItem
    key: str
    namespace: str = "login"  # "pin" for the counters of PIN sign-ins


def login_limits(account: str) -> list[Limit]:
    """The counters a failed login to `account` (an account key) from this client adds to."""
    config = current_app.config
    device = known_device(account)
    if device:
        return [Limit("account-client", parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), f"{account}|device:{device}")]
    address = client_address()
    return [
        Limit("account-client", parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), f"{account}|ip:{address}"),
        Limit("account", parse(config["LOGIN_LIMIT_PER_ACCOUNT_NEW_DEVICES"]), account),
        Limit("address", parse(config["LOGIN_LIMIT_PER_IP"]), f"ip:{address}"),
    ]


def pin_limits(account: str) -> list[Limit]:
    """The counters a wrong PIN for `account` (an account key) from this client adds to: a hard
    limit per account and client, one per account over new devices, and the address's counter
    shared with passwords."""
    config = current_app.config

    def setting(name: str) -> RateLimitItem:
        return parse(config[name])

    device = known_device(account)
    if device:
        return [Limit("account-client", setting("PIN_LIMIT_PER_ACCOUNT"), f"{account}|device:{device}", "pin")]
    address = client_address()
    return [
        Limit("account-client", setting("PIN_LIMIT_PER_ACCOUNT"), f"{account}|ip:{address}", "pin"),
        Limit("account", setting("PIN_LIMIT_PER_ACCOUNT_NEW_DEVICES"), account, "pin"),
        Limit("address", parse(config["LOGIN_LIMIT_PER_IP"]), f"ip:{address}"),
    ]


def refused(limits: list[Limit]) -> str | None:
    """The scope of the first exhausted counter, or None when this login may be tried."""
    for limit in limits:
        if not limiter.limiter.test(limit.item, limit.namespace, limit.scope, limit.key):
            return limit.scope
    return None


def count_failure(limits: list[Limit]) -> list[str]:
    """Count a failed login; the scopes this failure exhausted (a lockout begins)."""
    exhausted = []
    for limit in limits:
        limiter.limiter.hit(limit.item, limit.namespace, limit.scope, limit.key)
        if not limiter.limiter.test(limit.item, limit.namespace, limit.scope, limit.key):
            exhausted.append(limit.scope)
    return exhausted
