# ruff: noqa
# exercise: adam
# status: failed
# on: article
# error: ZeroDivisionError
# mistake: none
# The power t - 1 ("the steps before this one"), as written by a learner: at the
# article's first step t = 1, so 1 - beta1 ** 0 = 0 and Python raises ZeroDivisionError
# before any value comes back. The engine's t_minus_1 value there is inf (a division by
# zero in its own arithmetic), but plain Python floats never give inf here, so this code
# cannot be told apart from any other crash: the checker reports the failure on the
# article's first set (t = 1) and names no mistake; the t_minus_1 message, which explains
# this very division by zero, is never shown. adam_t_minus_1_clamped.py is the same
# mistake in a form that survives t = 1, where the checker names it.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1 ** (t - 1))
    v_hat = v / (1 - beta2 ** (t - 1))
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
