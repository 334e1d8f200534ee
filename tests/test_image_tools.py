"""The view_image and crop tools on real JPEG files: boxes, zoom, sources, limits, cache, failures."""

from __future__ import annotations

import asyncio
import io
import math
import os
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageStat

from pix2fact.tasks.model import Box
from pix2fact.tools.base import ImageLimits, Tool, ToolError
from pix2fact.tools.image import (
    DECODED_IMAGES,
    ImageLoadError,
    ImageTools,
    crop_region,
    load_image,
    read_image_size,
)

WIDTH, HEIGHT = 1920, 1080
RED_BOX = (400, 300, 600, 400)
BLUE_BOX = (1800, 1000, 1920, 1080)


@pytest.fixture(scope="session")
def photo(tmp_path_factory) -> Path:
    """A 1920x1080 JPEG: blurred noise with a red and a blue rectangle and some text."""
    path = tmp_path_factory.mktemp("image-tools") / "photo.jpg"
    noise = Image.frombytes("RGB", (WIDTH // 2, HEIGHT // 2), os.urandom(WIDTH * HEIGHT * 3 // 4))
    image = noise.resize((WIDTH, HEIGHT)).filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(image)
    draw.rectangle((RED_BOX[0], RED_BOX[1], RED_BOX[2] - 1, RED_BOX[3] - 1), fill=(230, 20, 20))
    draw.rectangle((BLUE_BOX[0], BLUE_BOX[1], BLUE_BOX[2] - 1, BLUE_BOX[3] - 1), fill=(20, 20, 230))
    draw.text((1000, 500), "OPEN 9-5  +44 20 7491 1947", fill=(255, 255, 255))
    image.save(path, quality=90)
    return path


@pytest.fixture
def tools(photo) -> ImageTools:
    return ImageTools(photo, ImageLimits(max_side=800, max_bytes=2_000_000))


def decoded(result) -> Image.Image:
    image = Image.open(io.BytesIO(result.images[0].data))
    image.load()
    return image


def mean_colour(image: Image.Image) -> tuple[float, float, float]:
    return tuple(ImageStat.Stat(image.convert("RGB")).mean)


def test_tools_follow_protocol(tools):
    assert isinstance(tools.view_image, Tool)
    assert isinstance(tools.crop, Tool)
    assert [tool.spec.name for tool in tools.tools] == ["view_image", "crop"]
    assert tools.crop.spec.parameters["required"] == ["box"]


async def test_view_image_overview(tools):
    result = await tools.view_image.call({})

    blob = result.images[0]
    assert (blob.width, blob.height) == (800, 450)
    assert decoded(result).size == (800, 450)
    assert "1920x1080" in result.text
    assert "0.417" in result.text
    assert result.data == {"image_size": [1920, 1080], "output_size": [800, 450], "scale": 800 / 1920}


async def test_crop_echoes_box_and_content(tools):
    result = await tools.crop.call({"box": list(RED_BOX)})

    assert result.data["crop_id"] == "c1"
    assert result.data["box"] == [400, 300, 600, 400]
    assert result.data["requested_box"] == [400, 300, 600, 400]
    assert result.data["source"] is None
    # Default zoom fills max_side: 200 px wide box -> 800 px wide output.
    assert result.data["zoom"] == 4.0
    assert result.data["output_size"] == [800, 400]
    assert "box [400, 300, 600, 400] in original pixels" in result.text
    assert "c1" in result.text
    red, green, blue = mean_colour(decoded(result))
    assert red > 200
    assert green < 50
    assert blue < 50


async def test_crop_ids_increase(tools):
    first = await tools.crop.call({"box": [0, 0, 100, 100]})
    second = await tools.crop.call({"box": [0, 0, 100, 100]})

    assert (first.data["crop_id"], second.data["crop_id"]) == ("c1", "c2")


async def test_crop_explicit_zoom(tools):
    result = await tools.crop.call({"box": [100, 100, 200, 150], "zoom": 2})

    assert result.data["zoom"] == 2.0
    assert result.data["output_size"] == [200, 100]
    assert result.data["requested_zoom"] == 2


async def test_crop_default_zoom_capped(tools):
    result = await tools.crop.call({"box": [10, 10, 20, 15]})

    assert result.data["zoom"] == 8.0
    assert result.data["output_size"] == [80, 40]


async def test_crop_zoom_reduced_to_fit(tools):
    result = await tools.crop.call({"box": [0, 0, 1000, 500], "zoom": 2})

    assert result.data["output_size"] == [800, 400]
    assert math.isclose(result.data["zoom"], 0.8)
    assert "zoom 2 reduced to 0.8" in result.text


async def test_crop_clamps_partial_box(tools):
    result = await tools.crop.call({"box": [1850, 1040, 2500, 1300], "zoom": 1})

    assert result.data["box"] == [1850, 1040, 1920, 1080]
    assert result.data["requested_box"] == [1850, 1040, 2500, 1300]
    assert "clamped" in result.text


async def test_crop_rounds_fractional_box_outward(tools):
    result = await tools.crop.call({"box": [10.4, 20.6, 30.2, 40.9]})

    assert result.data["box"] == [10, 20, 31, 41]


async def test_crop_source_maps_to_original(tools):
    first = await tools.crop.call({"box": [400, 300, 600, 400]})  # zoom 4
    inner = await tools.crop.call({"box": [100, 40, 300, 200], "source": "c1"})

    assert inner.data["box"] == [425, 310, 475, 350]
    assert inner.data["source"] == "c1"
    assert inner.data["requested_box"] == [100, 40, 300, 200]
    assert first.data["crop_id"] == "c1"
    assert inner.data["crop_id"] == "c2"


async def test_crop_source_clamps_to_source(tools):
    await tools.crop.call({"box": [400, 300, 600, 400]})
    inner = await tools.crop.call({"box": [700, 300, 900, 500], "source": "c1"})

    assert inner.data["box"] == [575, 375, 600, 400]
    assert "edge of crop c1" in inner.text


async def test_crop_source_overview(tools):
    await tools.view_image.call({})
    result = await tools.crop.call({"box": [100, 100, 200, 150], "source": "overview"})

    assert result.data["box"] == [240, 240, 480, 360]


async def test_crop_norm1000(photo):
    tools = ImageTools(photo, ImageLimits(max_side=800), coords="norm1000")
    result = await tools.crop.call({"box": [250, 500, 500, 1000]})

    # [ymin, xmin, ymax, xmax] = [250, 500, 500, 1000] of 1920x1080.
    assert result.data["box"] == [960, 270, 1920, 540]
    assert result.data["coords"] == "norm1000"
    assert "[250, 500, 500, 1000]" in result.text
    description = tools.crop.spec.parameters["properties"]["box"]["description"]
    assert "[ymin, xmin, ymax, xmax]" in description
    assert "0 to 1000" in description


async def test_crop_norm1000_with_source(photo):
    tools = ImageTools(photo, ImageLimits(max_side=800), coords="norm1000")
    await tools.crop.call({"box": [0, 0, 500, 500]})  # top-left quarter: 960x540
    inner = await tools.crop.call({"box": [500, 500, 1000, 1000], "source": "c1"})

    assert inner.data["box"] == [480, 270, 960, 540]


async def test_crop_norm1000_rejects_inverted(photo):
    tools = ImageTools(photo, coords="norm1000")

    with pytest.raises(ToolError, match=r"xmax \(100\) must be greater than xmin \(600\)"):
        await tools.crop.call({"box": [0, 600, 500, 100]})


MALFORMED = [
    pytest.param({"box": "400,300,600,400"}, "box must be a list of 4 numbers", id="box-string"),
    pytest.param({"box": [1, 2, 3]}, "box must be a list of 4 numbers", id="three-numbers"),
    pytest.param({"box": [1, 2, 3, 4, 5]}, "box must be a list of 4 numbers", id="five-numbers"),
    pytest.param({"box": [1, "2", 3, 4]}, "box top must be a number; got '2'", id="text-number"),
    pytest.param({"box": [1, None, 3, 4]}, "box top must be a number; got None", id="null"),
    pytest.param({"box": [True, 2, 3, 4]}, "box left must be a number; got True", id="bool"),
    pytest.param({"box": [1, 2, float("nan"), 4]}, "box right must be a finite number; got nan", id="nan"),
    pytest.param({"box": [1, 2, 3, float("inf")]}, "box bottom must be a finite number; got inf", id="inf"),
    pytest.param({"box": [600, 300, 400, 400]}, "inverted: right (400) must be greater than left (600)", id="inverted-x"),
    pytest.param({"box": [400, 400, 600, 300]}, "inverted: bottom (300) must be greater than top (400)", id="inverted-y"),
    pytest.param({"box": [400, 300, 400, 400]}, "zero area: left and right are both 400", id="zero-width"),
    pytest.param({"box": [2000, 100, 2100, 200]}, "lies entirely outside the image", id="outside-right"),
    pytest.param({"box": [-300, -200, -100, -50]}, "lies entirely outside the image", id="outside-negative"),
    pytest.param({"box": [0, 0, 100, 100], "zoom": 0}, "zoom must be greater than 0 and at most 8", id="zoom-zero"),
    pytest.param({"box": [0, 0, 100, 100], "zoom": -2}, "got -2", id="zoom-negative"),
    pytest.param({"box": [0, 0, 100, 100], "zoom": 9}, "at most 8", id="zoom-too-large"),
    pytest.param({"box": [0, 0, 100, 100], "zoom": "2"}, "zoom must be a number", id="zoom-text"),
    pytest.param({"box": [0, 0, 1920, 1080], "zoom": 8}, "output pixels", id="zoom-absurd-output"),
    pytest.param({"box": [0, 0, 100, 100], "source": "c7"}, "unknown source 'c7'", id="unknown-source"),
    pytest.param({"box": [0, 0, 100, 100], "source": 1}, "source must be a crop id string", id="source-number"),
    pytest.param({"box": [0, 0, 100, 100], "scale": 2}, "unknown argument(s): scale", id="unknown-argument"),
    pytest.param({"zoom": 2}, "missing required argument(s): box", id="missing-box"),
]


@pytest.mark.parametrize(("arguments", "fragment"), MALFORMED)
async def test_crop_rejects_malformed(tools, arguments, fragment):
    with pytest.raises(ToolError, match=re.escape(fragment)) as caught:
        await tools.crop.call(arguments)

    if "argument(s)" not in fragment:
        assert "1920x1080" in str(caught.value)


async def test_unknown_source_lists_known_ids(tools):
    await tools.crop.call({"box": [0, 0, 100, 100]})

    with pytest.raises(ToolError, match="ids you can use: c1"):
        await tools.crop.call({"box": [0, 0, 10, 10], "source": "c2"})


async def test_view_image_rejects_arguments(tools):
    with pytest.raises(ToolError, match="unknown argument"):
        await tools.view_image.call({"box": [0, 0, 1, 1]})


async def test_max_bytes_respected(photo):
    limits = ImageLimits(max_side=1568, max_bytes=40_000)
    tools = ImageTools(photo, limits)

    overview = await tools.view_image.call({})
    crop = await tools.crop.call({"box": [0, 0, 1200, 800]})

    for result in (overview, crop):
        assert len(result.images[0].data) <= 40_000
        assert decoded(result).size == (result.images[0].width, result.images[0].height)
    # The recorded output size and zoom describe the image actually sent.
    assert crop.data["output_size"] == [crop.images[0].width, crop.images[0].height]
    assert math.isclose(crop.data["zoom"], crop.images[0].width / 1200)


async def test_concurrent_crops_get_distinct_ids(tools):
    results = await asyncio.gather(*(tools.crop.call({"box": [i * 10, 0, i * 10 + 50, 50]}) for i in range(6)))

    assert sorted(result.data["crop_id"] for result in results) == [f"c{i}" for i in range(1, 7)]


async def test_cache_reused_across_instances(photo):
    DECODED_IMAGES.clear()

    await ImageTools(photo).crop.call({"box": [0, 0, 10, 10]})
    await ImageTools(photo).view_image.call({})

    assert DECODED_IMAGES.decodes == 1


def test_cache_decodes_changed_file(tmp_path):
    DECODED_IMAGES.clear()
    path = tmp_path / "changing.png"
    Image.new("RGB", (20, 10), (255, 0, 0)).save(path)
    assert load_image(path).getpixel((0, 0)) == (255, 0, 0)

    Image.new("RGB", (20, 10), (0, 0, 255)).save(path)
    os.utime(path, ns=(0, 10**18))

    assert load_image(path).getpixel((0, 0)) == (0, 0, 255)
    assert DECODED_IMAGES.decodes == 2


def test_cache_is_bounded(tmp_path):
    DECODED_IMAGES.clear()
    for index in range(DECODED_IMAGES.max_images + 2):
        path = tmp_path / f"image{index}.png"
        Image.new("RGB", (16, 16), (index, 0, 0)).save(path)
        load_image(path)

    assert len(DECODED_IMAGES) == DECODED_IMAGES.max_images


def test_exif_orientation_applied(tmp_path):
    path = tmp_path / "portrait.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, displayed rotated 90 degrees clockwise
    Image.new("RGB", (200, 100), (0, 200, 0)).save(path, exif=exif.tobytes())

    assert read_image_size(path) == (100, 200)
    assert load_image(path).size == (100, 200)


@pytest.fixture
def broken_images(tmp_path, photo) -> dict[str, Path]:
    data = photo.read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 3])
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(data[:2000] + os.urandom(len(data) - 2000))
    text = tmp_path / "text.jpg"
    text.write_text("not an image at all")
    return {"truncated": truncated, "corrupt": corrupt, "text": text, "missing": tmp_path / "missing.jpg"}


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        pytest.param("truncated", "truncated or corrupt", id="truncated"),
        pytest.param("corrupt", "cannot read image", id="corrupt"),
        pytest.param("text", "not a recognised image", id="not-an-image"),
        pytest.param("missing", "file not found", id="missing"),
    ],
)
async def test_decode_failures_raise_image_load_error(broken_images, name, fragment):
    path = broken_images[name]
    tools = ImageTools(path)

    with pytest.raises(ImageLoadError, match=fragment) as caught:
        await tools.crop.call({"box": [0, 0, 10, 10]})

    assert not isinstance(caught.value, ToolError)
    assert caught.value.path == path
    assert str(path) in str(caught.value)


async def test_decode_rejects_over_pixel_cap(photo):
    tools = ImageTools(photo, max_pixels=1_000_000)

    with pytest.raises(ImageLoadError, match="decompression bomb"):
        await tools.view_image.call({})


async def test_decode_rejects_over_pillow_limit(photo, monkeypatch):
    DECODED_IMAGES.clear()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500_000)

    with pytest.raises(ImageLoadError, match="decompression bomb"):
        await ImageTools(photo).view_image.call({})


async def test_crop_region_padding(photo):
    blob = await crop_region(photo, list(RED_BOX), pad_fraction=0.05, limits=ImageLimits(max_side=2000))

    # 5% of 1920 = 96 px left and right, 5% of 1080 = 54 px above and below.
    assert (blob.width, blob.height) == (200 + 2 * 96, 100 + 2 * 54)
    assert blob.label == "region"


async def test_crop_region_fits_limits(photo):
    blob = await crop_region(photo, [0, 0, 1920, 1080], limits=ImageLimits(max_side=640, max_bytes=30_000))

    # Noise compresses badly, so the byte limit shrinks it below max_side, keeping the aspect ratio.
    assert blob.width <= 640
    assert math.isclose(blob.width / blob.height, 16 / 9, rel_tol=0.01)
    assert len(blob.data) <= 30_000


async def test_crop_region_clamps_and_zooms(photo):
    blob = await crop_region(photo, [1850, 1050, 1950, 1100], limits=ImageLimits(max_side=800), max_zoom=4)

    assert (blob.width, blob.height) == (280, 120)
    red, green, blue = mean_colour(Image.open(io.BytesIO(blob.data)))
    assert blue > 180
    assert red < 60


@pytest.mark.parametrize(
    ("box", "pad", "fragment"),
    [
        pytest.param([10, 10, 5, 20], 0.0, "right > left", id="inverted"),
        pytest.param([3000, 10, 3100, 20], 0.0, "lies outside", id="outside"),
        pytest.param([10, 10, 20, 20], -0.1, "pad_fraction", id="negative-pad"),
    ],
)
async def test_crop_region_rejects(photo, box, pad, fragment):
    with pytest.raises(ValueError, match=fragment):
        await crop_region(photo, box, pad_fraction=pad)


async def test_crop_region_accepts_box(photo):
    blob = await crop_region(photo, Box(left=400, top=300, right=600, bottom=400), limits=ImageLimits(max_side=800))

    assert (blob.width, blob.height) == (200, 100)


async def test_size_and_overview(tools):
    assert await tools.size() == (WIDTH, HEIGHT)

    overview = await tools.overview()

    assert overview.data["image_size"] == [WIDTH, HEIGHT]
    assert "overview" in tools.frames
