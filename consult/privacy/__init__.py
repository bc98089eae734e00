"""Personal data under UU 27/2022: the privacy notice, one's own data, erasure, retention."""
