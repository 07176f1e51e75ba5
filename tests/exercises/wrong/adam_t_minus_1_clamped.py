# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: m_hat
# on: article
# mistake: t_minus_1
# The power t - 1, with the division by zero at t = 1 "fixed" by never letting the power
# go below 1: right at t = 1 (1 - beta1 ** 1 is the right factor there), wrong from the
# article's second step on, where the engine's t_minus_1 value is what this gives.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    power = max(t - 1, 1)
    m_hat = m / (1 - beta1**power)
    v_hat = v / (1 - beta2**power)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
