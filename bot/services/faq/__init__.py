"""Residents' questions: answered from the region's FAQ, or kept for officials when it has no
answer."""
