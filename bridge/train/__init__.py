"""Training and fine-tuning MusicVAE models on a folder of MIDI files."""
