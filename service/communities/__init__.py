from service.communities.controller import CommunitiesController

__all__ = ["CommunitiesController"]
