"""Who may run privileged commands: the stored admin credential and the v2 token table.

The credential follows the password in `MinerState`: the first time a new password is seen
it gets a fresh salt (so the salt changes only when the password does) and every issued token
is forgotten, as after `update_pwd` (PROTOCOL.md §2.4). Hashing is lazy, because md5-crypt
costs about 2 ms in pure Python and a farm of 500 miners should start instantly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .crypto import md5_crypt, random_salt, v2_aes_key

TOKEN_LIFETIME_S = 30 * 60
TOKENS_PER_IP = 32


@dataclass(frozen=True)
class Credential:
    """The admin password as the firmware stores it: md5-crypt with a salt of its own."""

    password: str
    salt: str

    @cached_property
    def crypted(self) -> str:
        """The stored form, `$1$salt$hash`."""
        return md5_crypt(self.password, self.salt)

    @cached_property
    def password_hash(self) -> str:
        """The 22-character hash body every v2 key derives from."""
        return self.crypted.split("$")[3]

    @cached_property
    def aes_key(self) -> bytes:
        """The AES-256 key of the v2 envelope."""
        return v2_aes_key(self.password_hash)


@dataclass(slots=True)
class _IssuedToken:
    sign: str
    issued_at: float


@dataclass(slots=True)
class Auth:
    """The current credential plus the tokens handed out per client IP."""

    lifetime_s: float = TOKEN_LIFETIME_S
    per_ip: int = TOKENS_PER_IP
    _credential: Credential | None = None
    _tokens: dict[str, list[_IssuedToken]] = field(default_factory=dict)

    def credential(self, password: str) -> Credential:
        """Return the credential of `password`, re-salting and dropping tokens if it changed."""
        if self._credential is None or self._credential.password != password:
            self._credential = Credential(password=password, salt=random_salt())
            self._tokens.clear()
        return self._credential

    def _live(self, client_ip: str, now: float) -> list[_IssuedToken]:
        live = [
            token
            for token in self._tokens.get(client_ip, [])
            if now - token.issued_at < self.lifetime_s
        ]
        self._tokens[client_ip] = live
        return live

    def issue(self, client_ip: str, sign: str, now: float) -> bool:
        """Remember a token for `client_ip`; False if that IP already holds the maximum."""
        live = self._live(client_ip, now)
        if len(live) >= self.per_ip:
            return False
        live.append(_IssuedToken(sign=sign, issued_at=now))
        return True

    def accepts(self, client_ip: str, sign: object, now: float) -> bool:
        """Whether `sign` is a live token issued to `client_ip`."""
        return any(token.sign == sign for token in self._live(client_ip, now))

    def forget_tokens(self) -> None:
        """Drop every issued token (a reboot empties the firmware's token table)."""
        self._tokens.clear()
