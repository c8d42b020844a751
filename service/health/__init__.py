from service.health.controller import HealthController

__all__ = ["HealthController"]
