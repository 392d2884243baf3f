"""The HTTP layer: every /v1 route, its validation and error shape, the guard and the app factory."""
