"""Build a tiny random-weight Llama chat model and tokenizer, with no download.

Its answers are noise. It exists so that tests and a fresh ``make run`` exercise the
real generation code paths (tokenizer, chat template, ``generate``, streaming, the
OpenAI-compatible server) without fetching gigabytes of weights.
"""

from __future__ import annotations

from pathlib import Path

# A few hundred words of patient-education vocabulary, so that the noise the model
# produces at least decodes to readable word pieces.
_CORPUS = """
Hello, I am the clinic's assistant. I can share general health information from
our vetted articles and help you reach your care team. I cannot diagnose or
prescribe. If you think you have an emergency, call 911 now. Drink water, rest,
and take medicines as prescribed. Blood pressure, diabetes, asthma, fever, cough,
headache, stroke, heart, chest pain, breathing, allergy, sleep, stress, anxiety,
depression, medicine, dose, pharmacist, doctor, nurse, appointment, message,
portal, please, thank you, sources, article, sign, symptom, warning, care, help.
"""

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_tiny_model(out_dir: Path, *, seed: int = 0, vocab_size: int = 512) -> Path:
    """Write a tiny Llama model and tokenizer to ``out_dir``; return the directory."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from tokenizers import decoders as tk_decoders
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out_dir.mkdir(parents=True, exist_ok=True)
    specials = ["<unk>", "<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tk_decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out_dir)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = fast.eos_token_id
    model.generation_config.pad_token_id = fast.pad_token_id
    model.save_pretrained(out_dir)
    return out_dir
