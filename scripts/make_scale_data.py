#!/usr/bin/env python3
"""Write N offices (copies of the five real ones) for measuring the portal at scale.

Each copy gets its own slug, names, level and province, so that pages grouping offices by level
and province see a realistic spread: the first offices are provincial General Offices (one per
province, 31 in all), the rest are city offices spread over the provinces. Units, duties,
portfolios and transfers are those of the office copied, cycling over the five.

    scripts/make_scale_data.py 400 --out /tmp/scale400          # fixtures layout, for load_org --dir
    scripts/make_scale_data.py 400 --json /tmp/scale400.json    # export shape, for import_org

The data is synthetic: it measures size and speed, it does not describe real offices.
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# The 31 provincial-level divisions of mainland China, (slug, English, Chinese).
PROVINCES = (
    ("beijing", "Beijing", "北京市"), ("tianjin", "Tianjin", "天津市"), ("hebei", "Hebei", "河北省"),
    ("shanxi", "Shanxi", "山西省"), ("inner-mongolia", "Inner Mongolia", "内蒙古自治区"),
    ("liaoning", "Liaoning", "辽宁省"), ("jilin", "Jilin", "吉林省"), ("heilongjiang", "Heilongjiang", "黑龙江省"),
    ("shanghai", "Shanghai", "上海市"), ("jiangsu", "Jiangsu", "江苏省"), ("zhejiang", "Zhejiang", "浙江省"),
    ("anhui", "Anhui", "安徽省"), ("fujian", "Fujian", "福建省"), ("jiangxi", "Jiangxi", "江西省"),
    ("shandong", "Shandong", "山东省"), ("henan", "Henan", "河南省"), ("hubei", "Hubei", "湖北省"),
    ("hunan", "Hunan", "湖南省"), ("guangdong", "Guangdong", "广东省"), ("guangxi", "Guangxi", "广西壮族自治区"),
    ("hainan", "Hainan", "海南省"), ("chongqing", "Chongqing", "重庆市"), ("sichuan", "Sichuan", "四川省"),
    ("guizhou", "Guizhou", "贵州省"), ("yunnan", "Yunnan", "云南省"), ("tibet", "Tibet", "西藏自治区"),
    ("shaanxi", "Shaanxi", "陕西省"), ("gansu", "Gansu", "甘肃省"), ("qinghai", "Qinghai", "青海省"),
    ("ningxia", "Ningxia", "宁夏回族自治区"), ("xinjiang", "Xinjiang", "新疆维吾尔自治区"),
)
CHINESE_DIGITS = "〇一二三四五六七八九"
# libyaml where PyYAML was built with it: the subject taxonomy alone takes seconds to parse without.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_real_offices(fixtures=FIXTURES):
    """The five offices and the subject taxonomy as the fixture files hold them."""
    subjects = yaml.load((fixtures / "subjects.yaml").read_text(encoding="utf-8"), Loader=LOADER)
    offices = [
        yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        for path in sorted((fixtures / "offices").glob("*.yaml"))
    ]
    offices.sort(key=lambda office: office["source_file"])
    return offices, subjects


def _chinese_number(number):
    return "".join(CHINESE_DIGITS[int(digit)] for digit in str(number))


def office_identity(index):
    """Slug, names, level and province of the `index`-th office (0-based)."""
    if index < len(PROVINCES):
        slug, name_en, name_zh = PROVINCES[index]
        return {
            "slug": f"{slug}-province",
            "name_en": f"General Office of the {name_en} People's Government",
            "name_zh": f"{name_zh}人民政府办公厅",
            "level": "province",
            "province_en": name_en,
            "province_zh": name_zh,
        }
    city = index - len(PROVINCES)
    slug, name_en, name_zh = PROVINCES[city % len(PROVINCES)]
    number = city // len(PROVINCES) + 1
    return {
        "slug": f"{slug}-city-{number}",
        "name_en": f"General Office of {name_en} City No. {number}",
        "name_zh": f"{name_zh}第{_chinese_number(number)}市人民政府办公室",
        "level": "city",
        "province_en": name_en,
        "province_zh": name_zh,
    }


def make_offices(count, real_offices):
    """`count` offices copied from `real_offices` in turn, each with its own identity."""
    offices = []
    for index in range(count):
        office = copy.deepcopy(real_offices[index % len(real_offices)])
        identity = office_identity(index)
        office.update(identity)
        office["source_file"] = f"scale_{index:04d}.txt"
        root = office["units"][0]
        root["name_en"], root["name_zh"] = identity["name_en"], identity["name_zh"]
        offices.append(office)
    return offices


def to_export_shape(offices, subjects):
    """The interchange shape `import_org` reads (portfolio subjects named by `slug`)."""
    offices = copy.deepcopy(offices)
    for office in offices:
        if office.get("document_date") is not None:
            office["document_date"] = str(office["document_date"])
        for unit in office["units"]:
            for entry in unit.get("subjects") or []:
                if "subject" in entry:
                    entry["slug"] = entry.pop("subject")
    return {"offices": offices, "subjects": subjects}


def write_fixture_dir(directory, offices, subjects):
    """The fixtures layout `load_org --dir` reads."""
    directory = Path(directory)
    (directory / "offices").mkdir(parents=True, exist_ok=True)
    dump = {"allow_unicode": True, "sort_keys": False, "width": 200}
    (directory / "subjects.yaml").write_text(yaml.safe_dump(subjects, **dump), encoding="utf-8")
    for office in offices:
        (directory / "offices" / f"{office['slug']}.yaml").write_text(yaml.safe_dump(office, **dump), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of offices to write (at least 1)")
    parser.add_argument("--out", help="write the fixtures layout (subjects.yaml, offices/*.yaml) here")
    parser.add_argument("--json", help="write the export shape here ('-' for standard output)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    if not args.out and not args.json:
        parser.error("give --out DIR, --json FILE or both")
    real_offices, subjects = read_real_offices()
    offices = make_offices(args.count, real_offices)
    if args.out:
        write_fixture_dir(args.out, offices, subjects)
    if args.json:
        text = json.dumps(to_export_shape(offices, subjects), ensure_ascii=False)
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
