"""Placeholder: being built (router registered in api/main.py)."""

from fastapi import APIRouter

router = APIRouter()
