"""Operations as generator flows: they yield HttpRequest values and receive HttpResponses.

Nothing in this package performs I/O, sleeps or reads the clock: the clock is passed in.
"""
