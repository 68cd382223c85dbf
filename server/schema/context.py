"""The per-request GraphQL context: the caller, the unit of work, settings and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from server.config import Settings
from server.services.errors import Unauthenticated
from server.services.principal import Principal
from server.services.uow import UnitOfWork

if TYPE_CHECKING:
    from server.runtime import Runtime
    from server.schema.loaders import Loaders

T = TypeVar("T")


@dataclass
class Context:
    runtime: Runtime
    principal: Principal | None
    config: Settings | None = None  # the app's settings, when they differ from the runtime's
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def uow(self) -> UnitOfWork:
        return self.runtime.uow

    @property
    def settings(self) -> Settings:
        return self.config if self.config is not None else self.runtime.settings

    @property
    def loaders(self) -> Loaders:
        """DataLoaders of this request (HTTP) or of this message (websocket, see `fresh_loaders`)."""
        if self._loaders is None:
            from server.schema.loaders import Loaders

            self._loaders = Loaders(self.runtime.uow, self.principal)
        return self._loaders

    def fresh_loaders(self) -> Loaders:
        """New loaders, so a long-lived websocket never serves stale rows from an old cache."""
        from server.schema.loaders import Loaders

        self._loaders = Loaders(self.runtime.uow, self.principal)
        return self._loaders

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("Authentication required: send Authorization: Bearer <token>.")
        return self.principal
