"""HTTP routes, one module per resource; ``service.api.app`` includes each module's ``router``
(or calls its ``install``)."""

__all__: list[str] = []
