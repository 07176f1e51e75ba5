# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: w
# on: article
# mistake: none
# A slip the engine does not know: lr applied twice, once in the update and again when
# moving w.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - lr * update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
