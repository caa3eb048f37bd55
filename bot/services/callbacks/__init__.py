"""WeChat's callbacks: each signed (timestamp, nonce) pair used once, each message handled
once."""
