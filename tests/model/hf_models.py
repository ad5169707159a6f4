"""Tiny random PaliGemma models built with Hugging Face transformers, the reference in parity tests.
Importing this module skips the importing test (or file) when the bench extra is not installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.helpers import needs_extra

torch = needs_extra("bench", "torch")
needs_extra("bench", "transformers")

from transformers import (  # noqa: E402
    Gemma2Config,
    GemmaConfig,
    PaliGemmaConfig,
    PaliGemmaForConditionalGeneration,
    SiglipVisionConfig,
)

VOCAB = 1300  # a tiny SentencePiece model's pieces plus the <image> row
IMAGE_TOKEN = VOCAB - 1
RES = 56
WINDOW = 5  # the sliding window of the hf_pg2_window fixture
GEMMA2_POST_NORMS = ("post_attention_layernorm.weight", "post_feedforward_layernorm.weight")


def vision_config(**overrides) -> SiglipVisionConfig:
    args = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                patch_size=14, image_size=RES, hidden_act="gelu_pytorch_tanh",
                layer_norm_eps=1e-6, vision_use_head=False)
    return SiglipVisionConfig(**(args | overrides))


def gemma1_text() -> GemmaConfig:
    """PaliGemma 1's decoder in small: multi-query attention (one KV head)."""
    return GemmaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                       vocab_size=VOCAB, hidden_act="gelu_pytorch_tanh")


def gemma2_text(final_softcap: float | None = 30.0, sliding_window: int = 4096) -> Gemma2Config:
    """PaliGemma 2's decoder in small: grouped-query attention, soft-caps, post-norms and the 27B
    query scale ((width / heads) ** -0.5 with 128-wide heads). Layers 0 and 2 use the sliding
    window, layer 1 attends globally."""
    return Gemma2Config(hidden_size=288, intermediate_size=256, num_hidden_layers=3,
                        num_attention_heads=2, num_key_value_heads=1, head_dim=128,
                        query_pre_attn_scalar=144, attn_logit_softcapping=50.0,
                        final_logit_softcapping=final_softcap, sliding_window=sliding_window,
                        vocab_size=VOCAB, hidden_activation="gelu_pytorch_tanh")


def build(text_config, folder: Path, seed: int = 0, std: float = 0.2, vision: dict | None = None,
          post_norm_std: float = 0.1) -> PaliGemmaForConditionalGeneration:
    """A random model with deliberately large weights, saved with save_pretrained.

    `post_norm_std` spreads Gemma 2's post-attention and post-MLP norm scales. With small ones the
    sqrt(width)-scaled input embedding outweighs every layer's output: the tied output embedding
    then predicts the last input token again, and greedy decoding repeats the prompt's final "\\n".
    """
    torch.manual_seed(seed)
    # (Gemma 1 calls its pre-MLP norm post_attention_layernorm)
    post_norms = GEMMA2_POST_NORMS if text_config.model_type == "gemma2" else ()
    width = text_config.hidden_size
    config = PaliGemmaConfig(vision_config=vision_config(**(vision or {})), text_config=text_config,
                             image_token_index=text_config.vocab_size - 1, projection_dim=width,
                             hidden_size=width)
    config._attn_implementation = "eager"
    model = PaliGemmaForConditionalGeneration(config).eval()
    gen = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = std if p.ndim > 1 else post_norm_std if name.endswith(post_norms) else 0.1
            p.copy_(torch.from_numpy(gen.normal(0, scale, tuple(p.shape)).astype(np.float32)))
    model.save_pretrained(folder)
    return model


def hf_logits(model, pixel_values: np.ndarray, prefix: list[list[int]], suffix: list[list[int]]):
    """Logits at every position of `[image][prefix][suffix]`, one example at a time."""
    n = (RES // 14) ** 2
    out = []
    for px, p, s in zip(pixel_values, prefix, suffix, strict=True):
        ids = torch.tensor([[IMAGE_TOKEN] * n + p + s])
        types = torch.tensor([[0] * (n + len(p)) + [1] * len(s)])
        with torch.no_grad():
            logits = model(input_ids=ids, pixel_values=torch.from_numpy(px.transpose(2, 0, 1)[None]),
                           token_type_ids=types, attention_mask=torch.ones_like(ids)).logits
        out.append(logits[0].numpy())
    return out


def hf_greedy(hf_model, px, prefix, max_new, eos):
    """transformers' greedy tokens for one image (R, R, 3) or several (K, R, R, 3): the prompt
    then holds K runs of image tokens, which transformers fills with the images in order."""
    px = px if px.ndim == 4 else px[None]
    ids = torch.tensor([[IMAGE_TOKEN] * (RES // 14) ** 2 * len(px) + prefix])
    g = hf_model.generate(input_ids=ids, pixel_values=torch.from_numpy(px.transpose(0, 3, 1, 2).copy()),
                          token_type_ids=torch.zeros_like(ids), attention_mask=torch.ones_like(ids),
                          max_new_tokens=max_new, do_sample=False, output_scores=True,
                          return_dict_in_generate=True, eos_token_id=eos, pad_token_id=0)
    tokens = g.sequences[0, ids.shape[1]:].tolist()
    logprobs = [torch.log_softmax(s[0].float(), -1)[t].item() for s, t in zip(g.scores, tokens, strict=True)]
    if eos in tokens:
        cut = tokens.index(eos)
        tokens, logprobs = tokens[:cut], logprobs[:cut]
    return tokens, logprobs
