"""Health declarations: filed once, declared again, each deciding the declarer's code."""
