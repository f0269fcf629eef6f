"""Latent Bridge: MusicVAE models for musicians."""
