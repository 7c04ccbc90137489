"""Layer 3, models: teaching implementations, Keras builders and baselines.

Filled by lessons 01-07; lesson 00 needs none.
"""
