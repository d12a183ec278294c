"""Verified claims -> an answer to the question (extractive, cited claim by claim)."""
