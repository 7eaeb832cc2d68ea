"""`ganpaint models list|info|import` as a user runs them: output, exit codes, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganpaint.cli import main
from ganpaint.models import DCGANDiscriminator, DCGANGenerator, ResnetGenerator, load


@pytest.fixture(autouse=True)
def user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(folder))
    return folder


def test_import_then_list_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    torch.save(DCGANGenerator(nz=8, ngf=4, image_size=32).state_dict(), tmp_path / "netG.pth")
    torch.save(DCGANDiscriminator(ndf=4, image_size=32).state_dict(), tmp_path / "netD.pth")
    code = main(
        [
            "models",
            "import",
            str(tmp_path / "netG.pth"),
            "--discriminator",
            str(tmp_path / "netD.pth"),
            "--name",
            "faces",
        ]
    )
    assert code == 0
    assert "faces: gan model" in capsys.readouterr().out

    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "faces" in listing
    assert "gan" in listing
    assert "32" in listing

    assert main(["models", "info", "faces"]) == 0
    info = capsys.readouterr().out
    assert "dcgan_generator" in info
    assert "dcgan_discriminator" in info
    assert set(load(Path(info.split("file:")[1].split()[0])).nets) == {"G", "D"}


def test_info_of_an_unknown_model_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["models", "info", "no-such-model"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no-such-model" in err


def test_importing_a_non_checkpoint_fails_and_writes_nothing(
    tmp_path: Path, user_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.pth"
    bad.write_text("not a checkpoint")
    assert main(["models", "import", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(bad) in err
    assert not list(user_data.rglob("*.safetensors"))


def test_importing_over_an_existing_name_keeps_the_first(
    tmp_path: Path, user_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = ResnetGenerator(ngf=4, n_blocks=6)
    torch.save(first.state_dict(), tmp_path / "a2b.pth")
    assert main(["models", "import", str(tmp_path / "a2b.pth")]) == 0
    stored = next(user_data.rglob("a2b.safetensors"))
    before = stored.read_bytes()
    torch.save(ResnetGenerator(ngf=4, n_blocks=9).state_dict(), tmp_path / "a2b.pth")
    capsys.readouterr()
    assert main(["models", "import", str(tmp_path / "a2b.pth")]) == 2
    assert "--name" in capsys.readouterr().err
    assert stored.read_bytes() == before
