"""Workshops, breakout rooms, who may join them, and the command channel."""

from board_server.workshop.hub import CommandHub
from board_server.workshop.service import JoinResult, WorkshopService

__all__ = ["CommandHub", "JoinResult", "WorkshopService"]
