"""Exact arithmetic for the evaluation datasets: calculator expressions evaluated as fractions,
and numbers written the way TinyLLM's calculator prints them.

The generator computes every `expected` with it, and verify.py checks every line with it (and
then again with the real calculator, when it is given the tinyllm binary). Only what the
datasets use is accepted: + - * / ^, unary minus, parentheses, decimals and sqrt of a perfect
square; anything else raises ValueError, so a typo in an expression cannot pass unnoticed.
"""

from fractions import Fraction
import re

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(sqrt)|(.))")


def _tokens(text):
    out = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read {text[pos:]!r}")
        number, name, op = m.groups()
        if number is not None:
            out.append(("num", Fraction(number)))
        elif name is not None:
            out.append(("name", name))
        elif op in "+-*/^()":
            out.append(("op", op))
        else:
            raise ValueError(f"unexpected {op!r} in {text!r}")
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, op):
        if self.peek() == ("op", op):
            self.i += 1
            return True
        return False

    def parse(self):
        value = self.expr()
        if self.i != len(self.tokens):
            raise ValueError(f"trailing input in {self.text!r}")
        return value

    def expr(self):
        value = self.term()
        while True:
            if self.take("+"):
                value += self.term()
            elif self.take("-"):
                value -= self.term()
            else:
                return value

    def term(self):
        value = self.unary()
        while True:
            if self.take("*"):
                value *= self.unary()
            elif self.take("/"):
                divisor = self.unary()
                if divisor == 0:
                    raise ValueError(f"division by zero in {self.text!r}")
                value /= divisor
            else:
                return value

    def unary(self):
        if self.take("-"):
            return -self.unary()
        return self.power()

    def power(self):
        base = self.atom()
        if self.take("^"):
            exponent = self.unary()
            if exponent.denominator != 1:
                raise ValueError(f"non-integer power in {self.text!r}")
            return base ** int(exponent)
        return base

    def atom(self):
        kind, value = self.peek()
        if kind == "num":
            self.i += 1
            return value
        if kind == "name":
            self.i += 1
            if not self.take("("):
                raise ValueError(f"sqrt without ( in {self.text!r}")
            inner = self.expr()
            if not self.take(")"):
                raise ValueError(f"missing ) in {self.text!r}")
            return _exact_sqrt(inner, self.text)
        if self.take("("):
            inner = self.expr()
            if not self.take(")"):
                raise ValueError(f"missing ) in {self.text!r}")
            return inner
        raise ValueError(f"expected a number in {self.text!r}")


def _exact_sqrt(value, text):
    def root(n):
        r = int(n ** 0.5)
        while r * r > n:
            r -= 1
        while (r + 1) * (r + 1) <= n:
            r += 1
        return r if r * r == n else None

    if value < 0:
        raise ValueError(f"sqrt of a negative number in {text!r}")
    num, den = root(value.numerator), root(value.denominator)
    if num is None or den is None:
        raise ValueError(f"sqrt that is not exact in {text!r}")
    return Fraction(num, den)


def evaluate(expression):
    """The exact value of a calculator expression (a Fraction)."""
    return _Parser(expression).parse()


def terminates(value):
    """Whether the fraction has a finite decimal expansion (denominator 2^a * 5^b)."""
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def decimals(value):
    """Digits after the point of a terminating fraction."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    return places


def written(value):
    """The number as the calculator prints it: -19, 3.375, 0.5 (no trailing zeros, no exponent).
    Raises ValueError for a value without a finite decimal expansion."""
    if not terminates(value):
        raise ValueError(f"{value} has no finite decimal expansion")
    places = decimals(value)
    scaled = abs(value.numerator * 10**places // value.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    text = digits if places == 0 else digits[:-places] + "." + digits[-places:]
    return ("-" if value < 0 else "") + text


def is_nice(value, max_decimals=4):
    """A value the datasets may use as an answer: exact in decimal, short enough to read."""
    return terminates(value) and decimals(value) <= max_decimals
