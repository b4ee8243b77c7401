//! Client-side rate limiting.
