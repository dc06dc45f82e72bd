"""Workshops, breakout rooms and who may join them."""

from board_server.workshop.service import JoinResult, WorkshopError, WorkshopService

__all__ = ["JoinResult", "WorkshopError", "WorkshopService"]
