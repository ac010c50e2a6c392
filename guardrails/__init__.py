"""Safety rails for patient chat. Plain Python: this package imports no Django."""
