"""Words that stay true: each lesson's text follows the facts its numbers make.

For every lesson, inputs that flip each of its facts, with a phrase the text must then
show and one it must not (the phrase written for another case). Checked in `--plain` and
in the app, where the same choice names the app's keys instead of the command line's flags.
"""

from __future__ import annotations

import asyncio
import functools
import re

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from llmtutor.app import create_app
from llmtutor.app.inputs_panel import InputsPanel
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.widgets import Drawing
from llmtutor.cli import cli
from llmtutor.curriculum import load_catalog

CATALOG = load_catalog()


# The toy network with every input at its limit: the loss after a step overflows.
HUGE = {"x": "1e12", "w1": "1e12", "w2": "1e12", "w3": "1e12", "lr": "1e12"}

# (lesson, inputs, step (from 1), a phrase the step must show, one it must not)
WORDS: list[tuple[str, dict[str, str], int, str, str]] = [
    # gradients: the gradient's sign, and whether the step helped
    ("gradients", {}, 4, "The gradient is positive", "The gradient is negative"),
    ("gradients", {"w": "0.2"}, 4, "The gradient is negative", "The gradient is positive"),
    ("gradients", {"w": "0.35"}, 4, "The gradient is zero", "The gradient is positive"),
    ("gradients", {"w": "0.35"}, 4, "Nowhere to go", "So move the other way"),
    ("gradients", {}, 4, "is lower than 1.457", "higher"),
    # L(w') = (0.5 − 1.5 × 0.3 − 0.35)² + 1.4345 = 1.5245 > 1.457: the step overshoots
    ("gradients", {"lr": "1.5"}, 4, "1.5245, is higher than 1.457", "is lower than"),
    # lr = 1 lands at the mirror point, 0.2: the same loss
    ("gradients", {"lr": "1"}, 4, "the same as before", "is lower than"),
    # training-step: the batch's size, the first row's targets, Adam's step, the loss after
    # it, and the loss on the whole text after N more steps
    ("training-step", {}, 3, "Pick B = 4 random positions", "random position ("),
    ("training-step", {"batch": "1"}, 3, "Pick B = 1 random position (", "Each gives an input"),
    ("training-step", {}, 5, "only y₁ follows x₁", "other characters follow x₁ too"),
    # seed 3, B = 16: ' ' → 't', ' ' → 'f', ' ' → 'j'
    (
        "training-step",
        {"batch": "16", "seed": "3"},
        5,
        "other characters follow x₁ too",
        "only y₁ follows x₁",
    ),
    ("training-step", {}, 6, "moves by almost exactly lr = 0.1", "rounded away"),
    # lr × m̂ ÷ (√v̂ + ε) for the wrong logit: 1e-320 × 0.0089286 is a subnormal, 9.96e-321
    ("training-step", {"lr": "1e-320"}, 6, "is rounded away from ±lr", "almost exactly lr"),
    ("training-step", {}, 7, "each row needs its own new logits", "all the new logits"),
    ("training-step", {"batch": "1"}, 7, "are all the new logits it needs", "its own new"),
    ("training-step", {}, 8, "the loss fell from 3.3322 to 3.1401", "The loss is still"),
    ("training-step", {}, 8, "Did it help? Yes", "Not measurably"),
    # e^(±1e-300) is 1 in floats: nothing the loss can see has changed
    ("training-step", {"lr": "1e-300"}, 8, "Did it help? Not measurably", "fell from"),
    ("training-step", {"lr": "1e-300"}, 8, "The loss is still 3.3322", "Did it help? Yes"),
    ("training-step", {}, 9, "Now N = 50 more steps", "one more step"),
    ("training-step", {"steps": "1"}, 9, "Now one more step", "Now N ="),
    ("training-step", {}, 9, "1.7335, down from ln V = 3.3322", "up from"),
    ("training-step", {"lr": "10"}, 9, "up from ln V = 3.3322", "down from"),
    ("training-step", {"lr": "1e-300"}, 9, "is still ln V = 3.3322", "down from"),
    # loss: how much of the probability "mat" got, and whether the perplexity fits a float
    ("loss", {}, 1, "That is half or less", "more than half"),
    ("loss", {"p": "0.9"}, 1, "more than half, so mat was its top choice", "half or less"),
    ("loss", {"p": "1"}, 1, "That is certainty", "half or less"),
    ("loss", {}, 5, "perplexity of 12.182: it is as unsure", "too large for a float"),
    (
        "loss",
        {"avg_loss": "0"},
        5,
        "perplexity of 1: like a pick among a single",
        "it is as unsure",
    ),
    # e^1e-5 = 1.00001 is written 1: the text says 1, not "as unsure as … that many"
    ("loss", {"avg_loss": "1e-5"}, 5, "like a pick among a single token", "it is as unsure"),
    # e^710 is past the largest float (e^709.78 ≈ 1.8e308)
    ("loss", {"avg_loss": "710"}, 5, "too large for a float to hold", "it is as unsure"),
    # chain-rule: the fate of d^N (0.8^32 = 0.00079228, 1.1^32 = 21.114, 0.99^32 = 0.725,
    # 5^32 = 2.3e22, 1e12^1000 and 0.1^1000 beyond a float), of d_s^N, of f'^N, and whether
    # (1 ± δ)^N stays within 0.01 to 100
    ("chain-rule", {}, 2, "about 1262.2 times smaller", "is over 1 in size"),
    ("chain-rule", {"factor": "1.1"}, 2, "gets 21.114 times the gradient", "times smaller"),
    ("chain-rule", {"factor": "0.99"}, 2, "would see it vanish", "less than a hundredth in"),
    ("chain-rule", {"factor": "1"}, 2, "has size 1", "times smaller"),
    ("chain-rule", {"factor": "5"}, 2, "an exploding gradient", "barely learn"),
    ("chain-rule", {"factor": "0"}, 2, "no gradient at all reaches layer 1", "times smaller"),
    (
        "chain-rule",
        {"factor": "0.1", "layers": "1000"},
        2,
        "too small for a float to hold in full",
        "times smaller",
    ),
    ("chain-rule", {"factor": "1e12", "layers": "1000"}, 2, "too large for a float", "times the"),
    ("chain-rule", {}, 2, "vanishing gradient", "flips the gradient's sign"),
    ("chain-rule", {"factor": "-0.8", "layers": "33"}, 2, "flips the gradient's sign", "has size"),
    ("chain-rule", {"small_factor": "0.9"}, 2, "but not yet vanished", "all but vanished"),
    ("chain-rule", {}, 4, "The skip path keeps the gradient alive", "must stay near 1"),
    ("chain-rule", {"wobble": "0.2"}, 4, "Factors must stay near 1", "at a usable size"),
    ("chain-rule", {"f_prime": "1"}, 4, "the same size as the gradient at the", "effectively"),
    # adam: how many gradients, and how each of steps 2 to 4 meets the momentum
    ("adam", {}, 1, "It gets 4 gradients", "a single gradient"),
    ("adam", {"gradients": "3"}, 1, "It gets a single gradient", "It gets 1 gradients"),
    ("adam", {"gradients": "1,2", "beta1": "0.5"}, 2, "scaled by 1 − β1 and 1 − β2", "10%"),
    ("adam", {}, 2, "comes out at about lr = 0.01 in size", "smaller than lr"),
    # ε = 1: u₁ = 0.01 × 0.5 ÷ (0.5 + 1) = 0.0033333
    ("adam", {"eps": "1"}, 2, "the update, 0.0033333, is smaller than lr", "about lr ="),
    ("adam", {"gradients": "0,1"}, 2, "The first gradient is 0", "about lr ="),
    ("adam", {}, 3, "Step 2: with the momentum", "No step 2"),
    ("adam", {}, 3, "points the same way as the momentum m₁ = 0.05", "flips to g₂"),
    ("adam", {"gradients": "1"}, 3, "No step 2", "Step 2: with the momentum"),
    ("adam", {"gradients": "0,1"}, 3, "Step 2: the first push", "with the momentum"),
    ("adam", {"gradients": "1,0"}, 3, "The gradient g₂ is 0", "points the same way"),
    # β1 = 0: m₂ = g₂ = -1, the momentum turns at once
    ("adam", {"gradients": "1,-1", "beta1": "0"}, 3, "and outweighs it: m₂ = -1", "Yet m₂"),
    ("adam", {"gradients": "1,2", "beta1": "0.5"}, 4, "No step 3", "A third gradient"),
    ("adam", {}, 5, "Step 4: the gradient flips", "No step 4"),
    ("adam", {}, 5, "m₄ = 0.07675 still points the old way", "outweighs it"),
    ("adam", {"gradients": "1,2", "beta1": "0.5"}, 5, "No step 4", "the gradient flips"),
    # m₂ = 0.08 > 0, g₃ = -0.1 is against it as g₂ was: m₃ = 0.062 holds; g₄ = -5 turns it
    ("adam", {"gradients": "1,-0.1,-0.1,-5"}, 4, "Step 3: against the momentum", "flips to g₃"),
    ("adam", {"gradients": "1,-0.1,-0.1,-5"}, 5, "outweighs it: m₄ = -0.4442", "Yet m₄"),
    # adam: the steps after the fourth, and how the updates compare
    ("adam", {}, 6, "Every update", "Steps 5 to"),
    ("adam", {}, 6, "none more than twice the size", "some more than"),
    ("adam", {"gradients": "1,2", "beta1": "0.5"}, 6, "Gradients from 1 to 2", "−0.2 and 0.5"),
    ("adam", {"gradients": "1,1,1,1,1"}, 6, "Step 5, and every update", "Steps 5 to"),
    ("adam", {"gradients": "1,1,1,-1,-1,-1"}, 6, "Steps 5 to 6, and every update", "none more"),
    ("adam", {"gradients": "1,1,1,-1,-1,-1"}, 6, "some more than twice", "none more"),
    ("adam", {"gradients": "0,0"}, 6, "every update is 0", "twice"),
    ("adam", {"gradients": "3"}, 6, "A single gradient, 3, makes a single update", "updates from"),
    # adam: how long bias correction lasts, by β1; a first gradient of 0
    ("adam", {}, 7, "by step 100 it has all but gone", "fades slowly"),
    ("adam", {"beta1": "0.99"}, 7, "it fades slowly", "all but gone"),
    ("adam", {"beta1": "0"}, 7, "there is nothing to correct", "all but gone"),
    ("adam", {}, 7, "would be u₁ (raw m₁) = 0.001", "0 ÷ 0"),
    ("adam", {"gradients": "0,1"}, 7, "0 ÷ 0, has no value", "would be u₁"),
    # adam: the alternating ±5, and the steady 5 and 0.01, against β1 and ε
    ("adam", {}, 8, "the momentum cancels", "partly"),
    ("adam", {"beta1": "0.5"}, 8, "only partly cancels", "the momentum cancels"),
    ("adam", {"beta1": "0"}, 8, "nothing is averaged away", "cancels"),
    ("adam", {}, 8, "both updates come out at about lr", "not tiny"),
    # ε = 0.001: 0.01 ÷ (0.01 + 0.001) = 0.90909 × lr, and 5 ÷ 5.001 = 0.9998
    ("adam", {"eps": "0.001"}, 8, "moves by only 0.90909 × lr", "both updates come out"),
    ("adam", {"eps": "1"}, 8, "not tiny next to either", "both updates come out"),
    # adamw: L2's first update against Adam's, which way the first decay pulls, the run's
    # length, whose decay moved w further, and the two one-weight scenarios
    ("adamw", {}, 2, "equals plain Adam's, 0.01, to the digits shown", "not tiny next to"),
    # 0.01 × 0.6 ÷ 0.7 against 0.01 × 0.5 ÷ 0.6
    ("adamw", {"eps": "0.1"}, 2, "not tiny next to both", "equals plain Adam's"),
    # g'₁ = −0.05 + 0.1 × 1 = 0.05
    ("adamw", {"gradients": "-0.05,0.3"}, 2, "outweighs g₁ = -0.05", "equals plain Adam's"),
    ("adamw", {"gradients": "0,0.3"}, 2, "Here g₁ is 0", "equals plain Adam's"),
    ("adamw", {"gradients": "-0.1,0.2"}, 2, "L2's first update is 0", "equals plain Adam's"),
    ("adamw", {}, 3, "pulls w₀ = 1 down, toward 0", "is negative"),
    ("adamw", {"w0": "-2"}, 3, "w₀ = -2 is negative", "down, toward 0"),
    ("adamw", {"weight_decay": "0"}, 3, "Here d₁ is 0", "toward 0"),
    ("adamw", {}, 4, "L2, steps 2 to 4", "No step 2"),
    ("adamw", {"gradients": "1"}, 4, "No step 2", "L2, step"),
    ("adamw", {"gradients": "1,2"}, 5, "AdamW, step 2", "steps 2 to"),
    ("adamw", {}, 6, "AdamW's decay moved it further", "L2's decay moved it further"),
    ("adamw", {"gradients": "0,0,0,0"}, 6, "L2's decay moved it further", "AdamW's decay"),
    ("adamw", {"weight_decay": "0"}, 6, "by the same amount", "moved it further"),
    ("adamw", {}, 7, "its first step is about lr, 0.01", "is below lr"),
    ("adamw", {"eps": "1"}, 7, "is below lr", "about lr, 0.01"),
    ("adamw", {}, 7, "L2's ended nearer 0", "AdamW's ended nearer 0"),
    # AdamW multiplies w by 1 − 0.01 × 50 = 0.5 each step: 0.5^100
    ("adamw", {"weight_decay": "50"}, 7, "AdamW's ended nearer 0", "L2's ended nearer 0"),
    ("adamw", {"w0": "0"}, 7, "neither path has anything to decay", "ended nearer 0"),
    ("adamw", {}, 7, "within 0.1% of the same place", "would cancel"),
    ("adamw", {"eps": "0.01"}, 7, "would cancel out of m̂ ÷ √v̂ if ε were 0", "within 0.1%"),
    ("adamw", {}, 8, "shifted this weight less than AdamW's", "more than AdamW's"),
    ("adamw", {"lr": "0.5", "weight_decay": "1"}, 8, "more than AdamW's did", "less than"),
    ("adamw", {"weight_decay": "0"}, 8, "With λ = 0 neither path decays", "less than AdamW's"),
    # sgd: where the runs start, what r = 1 − 2·lr does to x, and how the noisy run ends
    ("sgd", {}, 3, "x₀ = 1, on the ridge y = 0", "zero in every direction"),
    ("sgd", {"x0": "0"}, 3, "x₀ = 0, y = 0: on the saddle point itself", "Across the ridge"),
    ("sgd", {}, 4, "r is between 0 and 1, so x shrinks", "r is exactly −1"),
    # r = 1 − 2 × 1 = −1: x = 1 × (−1)^100 = 1, never closer to 0
    ("sgd", {"lr": "1"}, 4, "r is exactly −1", "x shrinks towards 0"),
    ("sgd", {"lr": "1"}, 4, "At step 100 it is 1.", "rolls down"),
    # r = −19: x = 19^100 = 7.5052e127
    ("sgd", {"lr": "10"}, 4, "farther out than before: the steps overshoot", "x shrinks"),
    ("sgd", {"lr": "10"}, 4, "At step 100 it is 7.5052e127", "they stop near 1.8e308"),
    # r = 1 − 2 × 10¹²: |r|^100 ≈ 10^1230, past the largest float
    (
        "sgd",
        {"lr": "1e12"},
        4,
        "no longer fit in a float (they stop near 1.8e308): x is ∞",
        "At step 100 it is",
    ),
    ("sgd", {"lr": "0.5"}, 4, "r is exactly 0, so the very first step lands x on 0", "shrinks"),
    # r = −0.4: x = 0.4^100 = 1.6069e-40
    (
        "sgd",
        {"lr": "0.7"},
        4,
        "a little closer each time: at step 100 it is 1.6069e-40",
        "from one side",
    ),
    # 1 − 2e-20 is 1 in floats; 1 − 2e-12 is not, but 0.999999999998^100 shows as 1
    ("sgd", {"lr": "1e-20"}, 4, "r rounds to exactly 1 in floating point", "shrinks towards"),
    ("sgd", {"lr": "1e-12"}, 4, "so slowly that at step 100 it still shows as 1", "one side"),
    # 0.8^10000 ≈ 10^-969: below the smallest float
    (
        "sgd",
        {"lr": "0.9", "steps": "10000"},
        4,
        "too small for a float and rounds to exactly 0",
        "a little closer each time",
    ),
    ("sgd", {"x0": "0"}, 4, "But x₀ = 0: the run starts on the saddle point", "r is between"),
    ("sgd", {}, 5, "Noisy gradients escape", "not in a valley"),
    (
        "sgd",
        {},
        5,
        "reaches 1 at step 34, and at step 100 the run is in a valley",
        "never reaches 1",
    ),
    ("sgd", {}, 5, "σ = 0.1 its size", "but here σ = 0"),
    ("sgd", {"lr": "0.7"}, 5, "Noisy gradients get off the ridge", "Noisy gradients escape"),
    ("sgd", {"lr": "0.7"}, 5, "the run is not in a valley", "the run is in a valley"),
    ("sgd", {"lr": "1e-12"}, 5, "|y| never reaches 1", "Noisy gradients escape"),
    ("sgd", {"noise": "0"}, 5, "No noise, no escape", "Noisy gradients escape"),
    ("sgd", {"noise": "0"}, 5, "but here σ = 0", "its size"),
    # lr × σ × n₁ = 1e-200 × 1e-200 × (-0.1321): below the smallest float
    (
        "sgd",
        {"noise": "1e-200", "lr": "1e-200"},
        5,
        "Too little noise to register",
        "No noise, no escape",
    ),
    # lr = 1: the noisy run's y overshoots the valley, overflows and becomes nan
    ("sgd", {"lr": "1"}, 5, "The second run blows up", "Noisy gradients escape"),
    ("sgd", {"lr": "1"}, 5, "which is nan: not a number", "the run is in a valley"),
    # schedule: warmup or none, what the zoomed chart shows, where step 1000 falls, whether
    # the rate decays, and whether the settings are Llama 2's
    ("schedule", {}, 2, "Warmup starts the rate at 0", "No warmup"),
    ("schedule", {"warmup": "0"}, 2, "No warmup", "Warmup starts the rate"),
    ("schedule", {"warmup": "0"}, 2, "This one has W = 0 warmup steps", "ramps it up"),
    ("schedule", {}, 2, "shows only the first steps of the run", "shows the whole run"),
    ("schedule", {"warmup": "499999"}, 2, "The chart shows the whole run.", "only the first"),
    ("schedule", {}, 2, "Step 1000 is still in the warmup: lr(1000) = 0.00015", "past the end"),
    ("schedule", {"warmup": "500"}, 2, "Step 1000 is not in the warmup", "still in the warmup"),
    # 1000 > S = 500: the rate stays at lr_min = 0.1 × 0.0003
    (
        "schedule",
        {"warmup": "10", "total": "500"},
        2,
        "Step 1000 is past the end of this run, where the rate stays at its floor: lr(1000) = 3e-5",
        "still in the warmup",
    ),
    ("schedule", {}, 3, "steepest there and flattens", "nothing to decay"),
    (
        "schedule",
        {"floor_fraction": "1"},
        3,
        "nothing to decay: the rate stays at 0.0003",
        "steepest there and flattens",
    ),
    ("schedule", {}, 4, "These are the settings on the chart.", "your settings"),
    (
        "schedule",
        {"warmup": "20000"},
        4,
        "The chart shows your settings instead: W = 20,000",
        "These are the settings",
    ),
    # backprop: where y lands against the target (and so the sign of dL/dy)
    ("backprop", {}, 3, "It lands below the target (1)", "lands above"),
    ("backprop", {"target": "-5"}, 3, "It lands above the target (-5)", "lands below"),
    # y = 2 × 0.5 × (-0.3) × 1.2 = -0.36 exactly on the target
    ("backprop", {"target": "-0.36"}, 3, "exactly on the target", "lands below"),
    ("backprop", {}, 4, "so dL/dy is negative", "dL/dy is positive"),
    ("backprop", {"target": "-5"}, 4, "so dL/dy is positive", "dL/dy is negative"),
    ("backprop", {"target": "-0.36"}, 4, "so dL/dy is 0", "dL/dy is negative"),
    # gradient-descent: how each weight moves. target = -5 flips every gradient's sign;
    # x = 0 makes every gradient 0; lr = 5e-324 makes every step too small for a float.
    ("gradient-descent", {}, 2, "makes w1 smaller", "makes w1 larger"),
    ("gradient-descent", {"target": "-5"}, 2, "makes w1 larger", "makes w1 smaller"),
    ("gradient-descent", {"x": "0"}, 2, "dL/dw1 is 0", "makes w1"),
    ("gradient-descent", {"lr": "5e-324"}, 2, "too small to change w1", "makes w1"),
    ("gradient-descent", {}, 3, "w2 had a negative gradient", "w2 had a positive"),
    ("gradient-descent", {"target": "-5"}, 3, "w2 had a positive gradient", "w2 had a negative"),
    ("gradient-descent", {"x": "0"}, 3, "w2 had a gradient of 0", "w2 had a negative"),
    ("gradient-descent", {"lr": "5e-324"}, 3, "too small to change w2", "w2 had a negative"),
    ("gradient-descent", {}, 3, "w3 had a positive gradient", "w3 had a negative"),
    ("gradient-descent", {"target": "-5"}, 3, "w3 had a negative gradient", "w3 had a positive"),
    ("gradient-descent", {"x": "0"}, 3, "w3 had a gradient of 0", "w3 had a positive"),
    ("gradient-descent", {"lr": "5e-324"}, 3, "too small to change w3", "w3 had a positive"),
    # the loss after the step: 0.9644 < 1.8496; with lr = 0.5, 4.0444 > 1.8496 (the issue's
    # example); with every input at 1e12, (−8e300 − 1)² overflows
    ("gradient-descent", {}, 5, "The loss went down", "The loss went up"),
    ("gradient-descent", {"lr": "0.5"}, 5, "The loss went up", "closer to the target"),
    ("gradient-descent", {"lr": "0.5"}, 5, "the step overshot", "The loss went down"),
    ("gradient-descent", {"lr": "5e-324"}, 5, "The loss did not change", "The loss went down"),
    ("gradient-descent", HUGE, 5, "The loss overflowed", "The loss went down"),
    # rounding the new weights to 3 decimals: (2 × 0.304 × 0.026 × 1.118 − 1)² − 0.9644
    ("gradient-descent", {}, 6, "changes the loss after the step by 0.00056528", "leaves the"),
    ("gradient-descent", {"x": "0"}, 6, "leaves the loss after the step", "changes the loss"),
    ("gradient-descent", HUGE, 6, "no difference to measure", "changes the loss"),
    # a step ten times smaller: lr = 0.1 ÷ 10 gives 1.7061, below L but above L' = 0.9644;
    # lr = 10 ÷ 10 gives 18.661 > L, below L' = 7.379e7; 0.5 ÷ 10 gives 1.2713 < L' = 4.0444
    ("gradient-descent", {}, 7, "lowers the loss below L (1.8496), to 1.7061", "Even the"),
    ("gradient-descent", {}, 7, "here the full step did better", "smaller rate did better"),
    (
        "gradient-descent",
        {"lr": "10"},
        7,
        "Even the shorter step raises the loss",
        "shorter step lowers",
    ),
    (
        "gradient-descent",
        {"lr": "0.5"},
        7,
        "here the smaller rate did better",
        "full step did better",
    ),
    (
        "gradient-descent",
        {"lr": "5e-324"},
        7,
        "shorter step leaves the loss exactly",
        "shorter step lowers",
    ),
    ("gradient-descent", {"lr": "5e-324"}, 7, "That is exactly the full step's", "did better"),
    ("gradient-descent", HUGE, 7, "after the shorter step is too large", "shorter step lowers"),
    ("gradient-descent", HUGE, 7, "L'(lr÷10) is not a finite number", "did better"),
    # a step five times larger: lr = 0.1 × 5 gives 4.0444 > L; 0.01 × 5 gives 1.2713, below
    # both L and L' = 1.7061
    (
        "gradient-descent",
        {},
        8,
        "raises the loss above L (1.8496), to 4.0444",
        "longer step lowers",
    ),
    ("gradient-descent", {}, 8, "worse than the full step's 0.9644", "larger rate did better"),
    (
        "gradient-descent",
        {"lr": "0.01"},
        8,
        "lowers the loss below L (1.8496), to 1.2713",
        "raises",
    ),
    ("gradient-descent", {"lr": "0.01"}, 8, "here the larger rate did better", "worse than"),
    ("gradient-descent", {"lr": "5e-324"}, 8, "longer step leaves the loss exactly", "raises"),
    ("gradient-descent", {"lr": "5e-324"}, 8, "ties with the full step's", "worse than"),
    ("gradient-descent", HUGE, 8, "after the longer step is too large", "longer step lowers"),
    ("gradient-descent", HUGE, 8, "L'(lr×5) is not a finite number", "worse than"),
]


@functools.cache
def _printed(lesson: str, inputs: tuple[tuple[str, str], ...]) -> str:
    """The whole lesson as `--plain` prints it with these inputs."""
    args = ["lesson", lesson, "--plain"]
    for name, value in inputs:
        args += ["--set", f"{name}={value}"]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def plain_step(lesson: str, inputs: dict[str, str], step: int) -> str:
    """Step `step` of the printed lesson, from its title to the next step's, its lines
    joined into one paragraph."""
    output = _printed(lesson, tuple(sorted(inputs.items())))
    total = len(CATALOG.get(lesson).steps)  # type: ignore[union-attr]
    start = output.index(f"Step {step} of {total} · ")
    after = f"Step {step + 1} of {total} · " if step < total else "All values"
    return " ".join(output[start : output.index(after, start)].split())


def app_steps(lesson: str, cases: list[tuple[dict[str, str], int]]) -> list[str]:
    """The title and text of each (inputs, step) as the app shows them, in one paragraph
    each: one app for the lesson, its inputs changed the way the inputs editor does."""
    entry = CATALOG.get(lesson)
    assert entry is not None
    app = create_app(CATALOG, lesson=entry, step=0)
    app.animation_level = "none"

    async def scenario() -> list[str]:
        texts = []
        async with app.run_test(size=(160, 50)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            for inputs, step in cases:
                values = {**entry.defaults, **entry.parse_overrides(inputs)}
                screen.post_message(InputsPanel.Changed(values))
                await pilot.pause()
                screen.step = step - 1
                await pilot.pause()
                expected = {**entry.defaults, **screen.values}
                assert expected == values, (inputs, step)  # the screen computes with them
                title = str(screen.query_one("#lesson-title", Static).render())
                text = screen.query_one("#step-text", Drawing).lines.text
                texts.append(" ".join(f"{title}\n{text}".split()))
        return texts

    return asyncio.run(scenario())


@pytest.mark.parametrize(("lesson", "inputs", "step", "shown", "not_shown"), WORDS)
def test_plain_text_follows_the_facts(
    lesson: str, inputs: dict[str, str], step: int, shown: str, not_shown: str
) -> None:
    text = plain_step(lesson, inputs, step)
    assert shown in text
    assert not_shown not in text


@pytest.mark.parametrize("lesson", sorted({row[0] for row in WORDS}))
def test_app_text_follows_the_facts(lesson: str) -> None:
    rows = [row for row in WORDS if row[0] == lesson]
    texts = app_steps(lesson, [(inputs, step) for _, inputs, step, _, _ in rows])
    wrong = [
        f"{inputs} step {step}: wants {shown!r}, not {not_shown!r}; shows {text!r}"
        for (_, inputs, step, shown, not_shown), text in zip(rows, texts, strict=True)
        if shown not in text or not_shown in text
    ]
    assert not wrong, "\n".join(wrong)


# (lesson, step (from 1)): a step that tells the learner how to change an input
CHANGE_INPUTS = [
    ("adam", 1),
    ("adamw", 1),
    ("gradients", 5),
    ("backprop", 9),
    ("gradient-descent", 8),
    ("training-step", 9),
    ("sgd", 5),
    ("schedule", 4),
]


@pytest.mark.parametrize(("lesson", "step"), CHANGE_INPUTS)
def test_words_name_the_keys_in_the_app_and_the_flags_in_plain(lesson: str, step: int) -> None:
    plain = plain_step(lesson, {}, step)
    (app,) = app_steps(lesson, [({}, step)])
    assert "--set" in plain and not re.search(r"\bpress e\b", plain, re.IGNORECASE)
    assert "--set" not in app and re.search(r"\bpress e\b", app, re.IGNORECASE)
