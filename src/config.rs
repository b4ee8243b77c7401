//! Configuration resolution (explicit values, environment, ovh.conf files).
