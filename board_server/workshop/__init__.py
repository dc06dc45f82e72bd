"""Workshops, breakout rooms and who may join them."""

from board_server.workshop.service import JoinResult, WorkshopService

__all__ = ["JoinResult", "WorkshopService"]
