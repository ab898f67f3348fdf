"""The constructor every API connector shares.

Each connector takes its SourceSpec plus the retry layer's injectables: the policy (attempts,
backoff, time budget) and the sleep, clock and randomness the retry loop uses, which tests
replace to run without waiting. They are taken once here; a connector does its own set-up in
`setup()` and builds its HTTP clients with `http_client()` (or hands `retry_kwargs()` to a
PolicyAdapter when a client library owns the session).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.http.client import HttpClient
from connectors.http.policy import HttpPolicy, policy_for, utc_now
from connectors.spec import SourceSpec


class ApiConnector:
    def __init__(
        self,
        spec: SourceSpec,
        *,
        policy: HttpPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.options: Any = spec.options
        self.policy = policy or policy_for(spec.timeout)
        self._sleep = sleep
        self._now = now
        self._rng = rng
        self.setup()

    def setup(self) -> None:
        """Connector-specific set-up: credentials, clients, derived options."""

    def retry_kwargs(self) -> dict[str, Any]:
        """The injectables of the retry loop, for HttpClient or PolicyAdapter."""
        return {"sleep": self._sleep, "now": self._now, "rng": self._rng}

    def http_client(self, base_url: str, *, policy: HttpPolicy | None = None, **extra: Any) -> HttpClient:
        """An HttpClient for this source with its policy (or `policy`) and the injected retry loop."""
        return HttpClient(
            base_url, source=self.spec.name, policy=policy or self.policy, **self.retry_kwargs(), **extra
        )
