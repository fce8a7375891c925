"""The catalogue of texts: every label, title and sentence part, in Vietnamese and English.

One module holds the words ict_gis writes for people, so that a translation
or a correction is made once. Entries are ``(vi, en)`` pairs (:data:`LABELS`,
:data:`COLUMN_LABELS`, ...) or one dict per language (:data:`MAP_TEXT`, ...);
``{tech}``, ``{year}`` and the like are filled in by :func:`text`.

Nothing here computes: the module imports nothing of ict_gis, so every layer
of the package may use it.

Examples
--------
>>> text("title_switch_off", "en", tech="3G")
'3G switch-off'
>>> text(("Tắt sóng {tech}", "{tech} switch-off"), "vi", tech="2G")
'Tắt sóng 2G'
"""

from __future__ import annotations

__all__ = [
    "CHART_TEXT",
    "COLUMN_LABELS",
    "DATE_FORMATS",
    "LABELS",
    "LANGS",
    "MAP_TEXT",
    "ROW_NAMES",
    "STATUS_TEXT",
    "UNIT_TYPES",
    "VALUE_LABELS",
    "column_labels",
    "day_text",
    "lang_index",
    "month_text",
    "text",
]

#: Languages of the catalogue, in the order of the ``(vi, en)`` pairs.
LANGS: tuple[str, ...] = ("vi", "en")

#: A text of the catalogue: a key of :data:`LABELS` (or of a per-language
#: dict such as :data:`MAP_TEXT`), or a ``(vi, en)`` pair.
Entry = str | tuple[str, str]

#: Vietnamese unit types, written in lower case inside a sentence
#: ("thành phố Nam Định").
UNIT_TYPES: tuple[str, ...] = (
    "Thành phố",
    "Thị xã",
    "Huyện",
    "Quận",
    "Phường",
    "Thị trấn",
    "Xã",
    "Tỉnh",
)


def lang_index(lang: str) -> int:
    """Return the position of ``lang`` in a ``(vi, en)`` pair.

    Raises
    ------
    ValueError
        If ``lang`` is not ``vi`` or ``en``.
    """
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    return LANGS.index(lang)


def text(entry: Entry, lang: str, **values: object) -> str:
    """Return an entry of the catalogue in ``lang``, with ``values`` filled in.

    Parameters
    ----------
    entry
        A key of :data:`LABELS` or a ``(vi, en)`` pair.
    lang
        ``"vi"`` or ``"en"``.
    **values
        Replace ``{name}`` in the text.

    Raises
    ------
    KeyError
        If ``entry`` is a key the catalogue does not have.
    """
    pair = LABELS[entry] if isinstance(entry, str) else entry
    words = pair[lang_index(lang)]
    return words.format(**values) if values else words


def column_labels(lang: str, columns: object = None) -> dict[str, str]:
    """Return the headers of :data:`COLUMN_LABELS` (or of ``columns``) in ``lang``.

    Examples
    --------
    >>> column_labels("en", ["covered_pct"])
    {'covered_pct': 'Area covered (%)'}
    """
    i = lang_index(lang)
    keys = COLUMN_LABELS if columns is None else columns
    return {k: COLUMN_LABELS[k][i] for k in keys if k in COLUMN_LABELS}


#: How a day is written, per language.
DATE_FORMATS: dict[str, str] = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}


def day_text(value: object, lang: str) -> str:
    """Return a day as ``lang`` writes it (``31/12/2024`` or ``2024-12-31``).

    Examples
    --------
    >>> import datetime
    >>> day_text(datetime.date(2024, 12, 31), "vi"), day_text(datetime.date(2024, 12, 31), "en")
    ('31/12/2024', '2024-12-31')
    """
    return format(value, DATE_FORMATS[LANGS[lang_index(lang)]])


#: Month names in English (Vietnamese writes months as numbers: ``tháng 8/2027``).
MONTH_NAMES_EN: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_text(value: object, lang: str) -> str:
    """Return the month of a day as ``lang`` writes it (``tháng 8/2027``, ``August 2027``).

    Examples
    --------
    >>> import datetime
    >>> day = datetime.date(2027, 8, 5)
    >>> month_text(day, "vi"), month_text(day, "en")
    ('tháng 8/2027', 'August 2027')
    """
    month, year = int(value.month), int(value.year)  # type: ignore[attr-defined]
    if LANGS[lang_index(lang)] == "vi":
        return f"tháng {month}/{year}"
    return f"{MONTH_NAMES_EN[month - 1]} {year}"


#: Titles, legends, popup labels and sentence parts of the metrics, (vi, en).
LABELS: dict[str, tuple[str, str]] = {
    # titles of the metric tables (CLI headings, report tables)
    "title_switch_off": ("Tắt sóng {tech}", "{tech} switch-off"),
    "title_sites_5g": ("Trạm 5G", "5G sites"),
    "title_bts": ("Vị trí trạm BTS được chấp thuận", "BTS locations approved"),
    "title_cables": ("Chỉnh trang cáp viễn thông", "Telecom cable tidying"),
    "title_cable_timeline": ("Chỉnh trang cáp theo tháng", "Cable tidying by month"),
    "title_switch_off_timeline": ("Tắt sóng {tech} theo tháng", "{tech} switch-off by month"),
    "title_coverage": ("Phủ sóng", "Coverage"),
    "heading_since": ("từ", "from"),
    "heading_to": ("đến", "to"),
    "heading_as_of": ("đến ngày", "as of"),
    "no_rows": ("(không có dữ liệu)", "(no rows)"),
    # legends of the map metrics
    "map_switch_off": ("Tỷ lệ trạm {tech} đã tắt sóng", "Share of {tech} stations switched off"),
    "map_migration": (
        "Tỷ lệ thuê bao {tech} đã chuyển lên 4G",
        "Share of {tech} subscribers moved to 4G",
    ),
    "map_sites_5g": ("Số trạm 5G", "Number of 5G sites"),
    "map_bts": (
        "Tỷ lệ vị trí BTS được chấp thuận đã phát sóng",
        "Share of approved BTS locations on air",
    ),
    "map_cables": (
        "Tỷ lệ cáp đã chỉnh trang so với kế hoạch",
        "Share of planned cable routes tidied",
    ),
    "map_coverage": ("Tỷ lệ diện tích phủ sóng {tech}", "Share of the area covered by {tech}"),
    # the annual report
    "report_title": (
        "Kết quả phát triển hạ tầng viễn thông năm {year}",
        "Telecom infrastructure in {year}",
    ),
    "report_as_of": ("Số liệu tính đến hết ngày {date}", "Figures as of {date}"),
    "report_source": ("; nguồn: {source}", "; source: {source}"),
    "report_notes": ("Lưu ý", "Notes"),
    "report_summary": ("Tóm tắt", "Summary"),
    "report_statement": ("Nội dung", "Statement"),
    "report_table_switch_off": ("Tắt sóng {tech}", "{tech} switch-off"),
    "report_table_sites_5g": ("Trạm 5G năm {year}", "5G sites {year}"),
    "report_table_bts": ("Trạm BTS năm {year}", "BTS locations {year}"),
    "report_table_cables": ("Chỉnh trang cáp", "Cable tidying"),
    "report_table_cable_timeline": ("Chỉnh trang cáp theo tháng", "Cable tidying by month"),
    "report_subscribers": (
        "Tổng số thuê bao {tech} đã chuyển sang thuê bao 4G là {ratio} thuê bao đạt {pct}, "
        "còn {left} thuê bao chưa chuyển đổi.",
        "{tech} subscribers moved to 4G: {ratio} ({pct}); {left} have not moved yet.",
    ),
    "report_switch_off": (
        "Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng {ratio} trạm {tech} (chiếm {pct}).",
        "Operators switched off {ratio} {tech} stations ({pct}).",
    ),
    "report_bts": (
        "Trong năm {year} đã chấp thuận {approved} vị trí xây dựng trạm BTS cho các doanh "
        "nghiệp viễn thông; trong đó các doanh nghiệp đã tiến hành xây dựng và đi vào phát "
        "sóng {on_air} trạm.",
        "In {year}, {approved} BTS locations were approved for the operators; "
        "{on_air} of them have been built and are on air.",
    ),
    "report_5g_none": ("Trong năm {year} chưa có trạm 5G mới.", "No new 5G site in {year}."),
    "report_5g": (
        "Các doanh nghiệp viễn thông trong năm {year} đã phát triển được {count} trạm 5G "
        "(trong đó {by_operator}){where}.",
        "In {year}, operators built {count} 5G sites ({by_operator}){where}.",
    ),
    "report_5g_operator": ("{operator} có {count} trạm", "{operator} {count}"),
    "report_5g_where": (", tập trung chủ yếu ở {name}", ", mostly in {name}"),
    "report_cable": (
        "{what} là {ratio} km, đạt {pct} {goal}.",
        "{what}: {ratio} km, {pct} {goal}.",
    ),
    "report_cable_plan": ("so với Kế hoạch {plan}", "of plan {plan}"),
    "report_cable_no_plan": ("so với tổng chiều dài cần chỉnh trang", "of the length to tidy"),
    "report_cable_with_messenger": (
        "Chiều dài tuyến cáp đã có cáp dưỡng, vòng khuyên được chỉnh trang",
        "Cable routes with messenger wire and rings tidied",
    ),
    "report_cable_without_messenger": (
        "Chiều dài tuyến cáp chưa có cáp dưỡng, vòng khuyên đã được chỉnh trang",
        "Cable routes without messenger wire tidied",
    ),
    "report_cable_other": (
        "Chiều dài tuyến cáp ({category}) đã chỉnh trang",
        "Cable routes ({category}) tidied",
    ),
    "report_units_coverage": (
        "Các bảng theo {total} đơn vị hành chính của {units} (hiệu lực từ {vintage}); "
        "số liệu chỉ có cho {count} đơn vị thuộc địa bàn {area}; {missing} đơn vị còn lại "
        'ghi "–" (không có số liệu).',
        "Tables per the {total} administrative units of {units} (in force from {vintage}); "
        "the data cover only the {count} units in the area of {area}; the other {missing} "
        'are shown as "–" (no data).',
    ),
    "title_forecast": (
        ": dự báo hoàn thành theo tốc độ {months} tháng gần nhất",
        ": when it will be done at the pace of the last {months} months",
    ),
    # the annual report's forecasts (the pace of the year, ict_gis.plan.forecast)
    "report_forecast_switch_off": (
        "Theo tốc độ năm {year}, việc tắt sóng {tech} {clauses}.",
        "At the {year} pace, the {tech} switch-off {clauses}.",
    ),
    "report_forecast_cable": (
        "Theo tốc độ năm {year} ({pace} km/tháng), Kế hoạch {plan} {clause}{outlook}.",
        "At the {year} pace ({pace} km a month), plan {plan} {clause}{outlook}.",
    ),
    "report_forecast_finish": ("sẽ hoàn thành vào {month}", "will be finished in {month}"),
    "report_forecast_done": ("đã hoàn thành", "is finished"),
    "report_forecast_stalled": (
        "chưa thể hoàn thành (năm {year} không có tiến độ)",
        "has no finish date (no progress in {year})",
    ),
    "report_forecast_for": ("{clause} đối với {what}", "{clause} for the {what}"),
    "report_forecast_and": ("{first} và {second}", "{first} and {second}"),
    "report_forecast_stations": ("các trạm", "stations"),
    "report_forecast_subscribers": ("thuê bao", "subscribers"),
    "report_forecast_on_time": (", kịp trước hạn {deadline}", ", before its end date {deadline}"),
    "report_forecast_late": (
        ", chậm so với hạn {deadline}",
        ", after its end date {deadline}",
    ),
    "report_forecast_not_by": (
        ", không kịp hạn {deadline}",
        ", so not by its end date {deadline}",
    ),
    "points": ("Số điểm theo đơn vị hành chính", "Points per administrative unit"),
}

#: Names written for the special rows, (Vietnamese, English).
ROW_NAMES: dict[str, tuple[str, str]] = {
    "total": ("Tổng cộng", "Total"),
    "outside": ("Ngoài các đơn vị hành chính", "Outside every unit"),
}

#: Column headers of the tables, (Vietnamese, English); ``{tech}`` is replaced
#: by ``frame.attrs["tech"]``. A metric of :mod:`ict_gis.metrics.registry`
#: may declare its own headers with its columns; those win.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "code": ("Mã", "Code"),
    "name": ("Đơn vị hành chính", "Administrative unit"),
    "vintage": ("Đơn vị hiệu lực từ", "Units in force from"),
    "operator": ("Doanh nghiệp", "Operator"),
    "category": ("Loại tuyến cáp", "Route category"),
    "plan": ("Kế hoạch", "Plan"),
    "month": ("Tháng", "Month"),
    "table": ("Bảng", "Table"),
    "points": ("Số điểm", "Points"),
    "no_value": ("(không có giá trị)", "(no value)"),
    # switch-off
    "stations": ("Số trạm {tech}", "{tech} stations"),
    "switched_off": ("Đã tắt sóng", "Switched off"),
    "remaining": ("Còn phát sóng", "Still on air"),
    "switched_off_pct": ("Tỷ lệ tắt sóng", "Switched off (%)"),
    "subscribers": ("Thuê bao {tech}", "{tech} subscribers"),
    "migrated": ("Đã chuyển sang 4G", "Moved to 4G"),
    "not_migrated": ("Chưa chuyển đổi", "Not yet moved"),
    "migrated_pct": ("Tỷ lệ chuyển đổi", "Moved (%)"),
    # 5G
    "sites": ("Trạm 5G đang phát sóng", "5G sites on air"),
    "new": ("Trạm 5G mới", "New 5G sites"),
    "share_pct": ("Tỷ lệ trên toàn tỉnh", "Share of the province"),
    # BTS
    "approved": ("Vị trí BTS được chấp thuận", "BTS locations approved"),
    "waiting": ("Chưa xây dựng", "Not started"),
    "under_construction": ("Đang xây dựng", "Under construction"),
    "on_air": ("Đã phát sóng", "On air"),
    "dismantled": ("Đã tháo dỡ", "Dismantled"),
    "on_air_pct": ("Tỷ lệ phát sóng", "On air (%)"),
    # cables
    "planned_km": ("Chiều dài theo kế hoạch (km)", "In the plan (km)"),
    "tidied_km": ("Đã chỉnh trang (km)", "Tidied (km)"),
    "underground_km": ("Đã ngầm hóa (km)", "Put underground (km)"),
    "remaining_km": ("Còn lại (km)", "Remaining (km)"),
    "pct": ("Tỷ lệ so với kế hoạch", "Share of the plan"),
    "with_messenger_km": ("Có cáp dưỡng: trong tháng (km)", "With messenger: in month (km)"),
    "with_messenger_cumulative_km": (
        "Có cáp dưỡng: lũy kế (km)",
        "With messenger: cumulative (km)",
    ),
    "without_messenger_km": (
        "Chưa có cáp dưỡng: trong tháng (km)",
        "Without messenger: in month (km)",
    ),
    "without_messenger_cumulative_km": (
        "Chưa có cáp dưỡng: lũy kế (km)",
        "Without messenger: cumulative (km)",
    ),
    "total_km": ("Tổng: trong tháng (km)", "Total: in month (km)"),
    "total_cumulative_km": ("Tổng: lũy kế (km)", "Total: cumulative (km)"),
    # coverage
    "tech": ("Công nghệ", "Technology"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "covered_km2": ("Diện tích được phủ sóng (km²)", "Covered (km²)"),
    "covered_pct": ("Tỷ lệ diện tích phủ sóng", "Area covered (%)"),
    "population": ("Dân số", "Population"),
    "population_covered": ("Dân số được phủ sóng", "People covered"),
    "population_pct": ("Tỷ lệ dân số được phủ sóng", "Population covered (%)"),
    # plan: new sites
    "rank": ("Thứ tự", "Rank"),
    "site_id": ("Mã trạm", "Site"),
    "source": ("Nguồn vị trí", "Candidate from"),
    "radius_m": ("Bán kính (m)", "Radius (m)"),
    "adds_km2": ("Diện tích phủ thêm (km²)", "Adds (km²)"),
    "adds_people": ("Dân số phủ thêm", "Adds (people)"),
    "cumulative_km2": ("Lũy kế (km²)", "Cumulative (km²)"),
    "cumulative_people": ("Lũy kế (người)", "Cumulative (people)"),
    "model_gain": ("Trọng số trên lưới ô", "Gain on the cells"),
    "holes_km2": ("Vùng lõm sóng (km²)", "Holes (km²)"),
    "people": ("Dân số vùng lõm", "People in the holes"),
    "new_sites": ("Trạm mới", "New sites"),
    "covered_people": ("Dân số được phủ", "People covered"),
    "left_km2": ("Vùng lõm còn lại (km²)", "Holes left (km²)"),
    "left_people": ("Dân số vùng lõm còn lại", "People left"),
    # plan: sharing
    "station_count": ("Số trạm", "Stations"),
    "towers": ("Số cột", "Towers"),
    "groups": ("Nhóm dùng chung", "Co-location groups"),
    "stations_in_groups": ("Trạm trong nhóm", "Stations in groups"),
    "sites_avoided": ("Số trạm có thể tránh xây", "Sites sharing avoids"),
    "single_operator_towers": ("Cột một doanh nghiệp", "Single-operator towers"),
    # plan: forecasts
    "what": ("Nội dung", "Measure"),
    "done": ("Đã thực hiện", "Done"),
    "goal": ("Tổng khối lượng", "Whole job"),
    "left": ("Còn lại", "Left"),
    "pace_per_month": ("Tốc độ mỗi tháng", "Pace per month"),
    "months_left": ("Số tháng còn lại", "Months left"),
    "finish": ("Dự kiến hoàn thành", "Expected finish"),
    "deadline": ("Hạn kế hoạch", "Plan's end"),
    "status": ("Đánh giá", "Outlook"),
}

#: Values written in place of codes in text columns, (Vietnamese, English).
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "with_messenger": ("Có cáp dưỡng, vòng khuyên", "With messenger wire"),
    "without_messenger": ("Chưa có cáp dưỡng, vòng khuyên", "Without messenger wire"),
    # forecast outlooks (ict_gis.plan.pace_forecast)
    "on_time": ("Kịp hạn", "On time"),
    "late": ("Chậm so với hạn", "Late"),
    "stalled": ("Chưa có tiến độ", "Stalled"),
    "no_deadline": ("Không có hạn", "No deadline"),
}


MAP_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hạ tầng viễn thông",
        "base": "Nền bản đồ",
        "base_admin": "Nền hành chính (không cần mạng)",
        "osm": "OpenStreetMap (cần internet)",
        "g_metric": "Chỉ tiêu theo đơn vị hành chính",
        "g_base": "Nền",
        "labels": "Tên đơn vị hành chính",
        "g_bts": "Trạm BTS theo doanh nghiệp",
        "g_2g": "Tắt sóng 2G",
        "off_2g": "Đã tắt sóng 2G",
        "on_2g": "Còn phát sóng 2G",
        "g_5g": "Trạm 5G theo doanh nghiệp",
        "g_cables": "Tuyến cáp viễn thông",
        "g_coverage": "Vùng phủ sóng",
        "gap_after": "Sẽ mất sóng khi tắt hết {tech}",
        "gap_lost": "Đã mất sóng do tắt {tech}",
        "covered": "Phủ sóng {tech}",
        "unknown": "Không rõ",
        "operator": "Doanh nghiệp",
        "technologies": "Công nghệ",
        "status": "Trạng thái",
        "height": "Độ cao cột",
        "approved_date": "Ngày chấp thuận vị trí",
        "on_air_date": "Ngày phát sóng",
        "band": "Băng tần",
        "switch_off_date": "Ngày tắt sóng 2G",
        "subscribers_left": "Thuê bao 2G còn lại",
        "street": "Tuyến phố",
        "category": "Loại tuyến",
        "plan": "Kế hoạch",
        "done_date": "Ngày hoàn thành",
        "operators": "Doanh nghiệp",
        "length": "Chiều dài",
        "unit": "Đơn vị",
        "code": "Mã",
        "search": "Tìm mã trạm, tuyến phố, đơn vị…",
        "search_title": "Tìm kiếm",
        "no_results": "Không tìm thấy",
        "measure": "Đo khoảng cách và diện tích",
        "measure_hint": "Nhấp để thêm điểm; nhấp đúp hoặc bấm lại nút để kết thúc.",
        "distance": "Khoảng cách",
        "area": "Diện tích",
        "fullscreen": "Toàn màn hình",
        "exit_fullscreen": "Thoát toàn màn hình",
        "month": "Tháng",
        "play": "Phát theo tháng",
        "pause": "Dừng",
        "legend": "Chú giải",
        "no_data": "Không có số liệu",
        "total": "Toàn tỉnh",
        "slider_2g": "{n} trạm đã tắt 2G",
        "slider_cables": "{km} km cáp đã chỉnh trang, ngầm hóa",
        "as_of": "Số liệu đến ngày {date}",
        "sites": "trạm",
        "s_switch_off": "Tắt sóng {tech}",
        "s_subscribers": "Thuê bao {tech}",
        "s_5g": "Trạm 5G",
        "s_bts": "Vị trí BTS được chấp thuận (lũy kế)",
        "s_cables": "Chỉnh trang cáp viễn thông",
        "s_coverage": "Vùng phủ sóng",
        "r_stations": "Trạm có {tech}",
        "r_switched_off": "Đã tắt sóng",
        "r_remaining": "Còn phát sóng",
        "r_subscribers": "Thuê bao {tech}",
        "r_migrated": "Đã chuyển lên 4G",
        "r_sites_5g": "Trạm 5G đang phát sóng",
        "r_approved": "Được chấp thuận",
        "r_on_air": "Đã phát sóng",
        "r_under_construction": "Đang xây dựng",
        "r_waiting": "Chưa xây dựng",
        "r_planned_km": "Trong kế hoạch",
        "r_tidied_km": "Đã chỉnh trang",
        "r_underground_km": "Đã ngầm hóa",
        "r_covered": "Diện tích phủ sóng {tech}",
        "r_population": "Dân số được phủ sóng {tech}",
        "r_gap": "Vùng chỉ có {tech}",
        "attr_bundled": (
            "Ranh giới: Hệ thống bản đồ hành chính, Cổng TTĐT Chính phủ (qua dữ liệu mở "
            "dvhcvn) · Danh mục ĐVHC: Tổng cục Thống kê · Trạm, tuyến cáp: mô phỏng theo "
            "báo cáo năm 2024 của Sở TT&TT Nam Định"
        ),
        "attr_user": "Dữ liệu: {source}",
        "zoom_in": "Phóng to",
        "zoom_out": "Thu nhỏ",
        "total_country": "Toàn quốc",
        "area_country": "Toàn quốc",
        "area_units": "{n} đơn vị hành chính",
        "source": "Nguồn: {source}",
        "made": "Lập ngày {date}",
        "layers_button": "Lớp bản đồ",
        "data_part": "số liệu có cho {n}/{total} đơn vị",
        "came_from": "Hình thành từ các đơn vị cũ",
        "came_from_before": "Hình thành từ các đơn vị cũ (trước {date})",
        "share_whole": "toàn bộ",
        "share_part": "một phần",
        "share_by_population": "theo dân số",
        "share_by_area": "theo diện tích",
        "share_by_weight": "theo trọng số",
        "g_plan": "Kế hoạch trạm mới",
        "plan_sites": "Trạm mới đề xuất",
        "plan_candidates": "Vị trí ứng viên khác",
        "plan_rank": "Thứ tự chọn",
        "plan_adds": "Phủ thêm vùng lõm",
        "plan_adds_people": "Số người được phủ thêm",
        "plan_cumulative": "Lũy kế phủ thêm",
        "plan_cumulative_people": "Lũy kế số người được phủ",
        "plan_source": "Loại vị trí",
        "plan_src_grid": "Điểm lưới trong vùng lõm",
        "plan_src_tower": "Cột hiện có (dùng chung)",
        "plan_src_file": "Vị trí do tỉnh đề xuất",
        "plan_radius": "Bán kính phủ sóng",
        "plan_people": "Số người",
        "g_plan_areas": "Vùng lõm sóng theo kế hoạch",
        "plan_holes_before": "Vùng lõm trước kế hoạch",
        "plan_holes_after": "Vùng lõm còn lại sau kế hoạch",
        "plan_footprints": "Vùng phủ của trạm mới",
        "g_sharing": "Dùng chung cột ăng-ten",
        "sharing_groups": "Cột có nhiều doanh nghiệp",
        "sharing_single": "Cột một doanh nghiệp (có thể dùng chung)",
        "sharing_n_operators": "Số doanh nghiệp",
        "sharing_stations": "Số trạm",
        "sharing_site_ids": "Mã trạm",
        "sharing_could_host": "Có thể thêm",
        "s_plan": "Kế hoạch trạm mới",
        "r_plan_new_sites": "Trạm mới",
        "r_plan_holes": "Vùng lõm trước kế hoạch",
        "r_plan_covered": "Được phủ thêm",
        "r_plan_left": "Vùng lõm còn lại",
        "r_plan_people": "Số người ở vùng lõm",
        "r_plan_covered_people": "Số người được phủ thêm",
        "r_plan_left_people": "Số người còn ở vùng lõm",
        "s_forecast": "Dự báo tắt sóng {tech} (theo tốc độ {months} tháng gần nhất)",
        "f_stations": "Trạm {tech}",
        "f_subscribers": "Thuê bao {tech}",
        "f_done": "đã xong",
        "f_stalled": "không tiến triển (còn {left})",
        "f_finish": "dự kiến xong {date} (còn {left}, {pace}/tháng)",
        "f_late": "chậm so với hạn {date}",
        "f_total": "{what} ({where}, dự báo)",
    },
    "en": {
        "title": "Telecom infrastructure",
        "base": "Base map",
        "base_admin": "Administrative base (offline)",
        "osm": "OpenStreetMap (needs internet)",
        "g_metric": "Indicator by administrative unit",
        "g_base": "Base",
        "labels": "Unit names",
        "g_bts": "BTS stations by operator",
        "g_2g": "2G switch-off",
        "off_2g": "2G switched off",
        "on_2g": "2G still on air",
        "g_5g": "5G sites by operator",
        "g_cables": "Telecom cable routes",
        "g_coverage": "Coverage",
        "gap_after": "Would lose service when {tech} is switched off",
        "gap_lost": "Lost service with the {tech} switch-offs",
        "covered": "{tech} coverage",
        "unknown": "Unknown",
        "operator": "Operator",
        "technologies": "Technologies",
        "status": "Status",
        "height": "Mast height",
        "approved_date": "Location approved",
        "on_air_date": "On air since",
        "band": "Band",
        "switch_off_date": "2G switch-off date",
        "subscribers_left": "2G subscribers left",
        "street": "Street",
        "category": "Category",
        "plan": "Plan",
        "done_date": "Completed",
        "operators": "Operators",
        "length": "Length",
        "unit": "Unit",
        "code": "Code",
        "search": "Find site id, street, unit…",
        "search_title": "Search",
        "no_results": "Nothing found",
        "measure": "Measure distance and area",
        "measure_hint": "Click to add points; double-click or press the button again to finish.",
        "distance": "Distance",
        "area": "Area",
        "fullscreen": "Full screen",
        "exit_fullscreen": "Exit full screen",
        "month": "Month",
        "play": "Play month by month",
        "pause": "Pause",
        "legend": "Legend",
        "no_data": "No data",
        "total": "Province",
        "slider_2g": "{n} stations switched off 2G",
        "slider_cables": "{km} km of cable tidied or underground",
        "as_of": "Figures as of {date}",
        "sites": "sites",
        "s_switch_off": "{tech} switch-off",
        "s_subscribers": "{tech} subscribers",
        "s_5g": "5G sites",
        "s_bts": "Approved BTS locations (all years to date)",
        "s_cables": "Cable tidying",
        "s_coverage": "Coverage",
        "r_stations": "Stations with {tech}",
        "r_switched_off": "Switched off",
        "r_remaining": "Still on air",
        "r_subscribers": "{tech} subscribers",
        "r_migrated": "Moved to 4G",
        "r_sites_5g": "5G sites on air",
        "r_approved": "Approved",
        "r_on_air": "On air",
        "r_under_construction": "Under construction",
        "r_waiting": "Not started",
        "r_planned_km": "In the plan",
        "r_tidied_km": "Tidied",
        "r_underground_km": "Underground",
        "r_covered": "Area covered by {tech}",
        "r_population": "Population covered by {tech}",
        "r_gap": "Area served only by {tech}",
        "attr_bundled": (
            "Boundaries: administrative boundary map system, Government Portal of Viet Nam "
            "(via the open dvhcvn compilation) · Unit list: General Statistics Office · "
            "Stations and cable routes: modelled from the 2024 report of the Nam Định "
            "Department of Information and Communications"
        ),
        "attr_user": "Data: {source}",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "total_country": "Country",
        "area_country": "Whole country",
        "area_units": "{n} administrative units",
        "source": "Source: {source}",
        "made": "Made on {date}",
        "layers_button": "Map layers",
        "data_part": "data for {n} of {total} units",
        "came_from": "Formed from the old units",
        "came_from_before": "Formed from the old units (before {date})",
        "share_whole": "whole",
        "share_part": "part",
        "share_by_population": "by population",
        "share_by_area": "by area",
        "share_by_weight": "by weight",
        "g_plan": "Plan: new sites",
        "plan_sites": "Proposed new sites",
        "plan_candidates": "Other candidate locations",
        "plan_rank": "Order chosen",
        "plan_adds": "Adds (holes covered)",
        "plan_adds_people": "People it adds",
        "plan_cumulative": "Cumulative",
        "plan_cumulative_people": "Cumulative people",
        "plan_source": "Kind of location",
        "plan_src_grid": "Grid point in a hole",
        "plan_src_tower": "Existing tower (shared)",
        "plan_src_file": "Location offered by the province",
        "plan_radius": "Coverage radius",
        "plan_people": "People",
        "g_plan_areas": "Plan: coverage holes",
        "plan_holes_before": "Holes before the plan",
        "plan_holes_after": "Holes left after the plan",
        "plan_footprints": "Footprints of the new sites",
        "g_sharing": "Tower sharing",
        "sharing_groups": "Towers with several operators",
        "sharing_single": "Single-operator towers (could be shared)",
        "sharing_n_operators": "Operators",
        "sharing_stations": "Stations",
        "sharing_site_ids": "Site ids",
        "sharing_could_host": "Could also host",
        "s_plan": "Plan: new sites",
        "r_plan_new_sites": "New sites",
        "r_plan_holes": "Holes before the plan",
        "r_plan_covered": "Covered by the plan",
        "r_plan_left": "Holes left",
        "r_plan_people": "People in the holes",
        "r_plan_covered_people": "People covered by the plan",
        "r_plan_left_people": "People still in holes",
        "s_forecast": "{tech} switch-off forecast (pace of the last {months} months)",
        "f_stations": "{tech} stations",
        "f_subscribers": "{tech} subscribers",
        "f_done": "done",
        "f_stalled": "no progress ({left} left)",
        "f_finish": "done by about {date} ({left} left, {pace}/month)",
        "f_late": "late for the deadline {date}",
        "f_total": "{what} ({where}, forecast)",
    },
}


STATUS_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "approved": "Đã chấp thuận vị trí",
        "under_construction": "Đang xây dựng",
        "on_air": "Đang phát sóng",
        "dismantled": "Đã tháo dỡ",
        "planned": "Chưa chỉnh trang",
        "tidied": "Đã chỉnh trang",
        "underground": "Đã ngầm hóa",
        "with_messenger": "Có cáp dưỡng, vòng khuyên",
        "without_messenger": "Chưa có cáp dưỡng",
    },
    "en": {
        "approved": "Location approved",
        "under_construction": "Under construction",
        "on_air": "On air",
        "dismantled": "Dismantled",
        "planned": "Not yet tidied",
        "tidied": "Tidied",
        "underground": "Underground",
        "with_messenger": "With messenger wire and rings",
        "without_messenger": "Without messenger wire",
    },
}

CHART_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch_off": "Tắt sóng {tech} theo đơn vị hành chính",
        "switch_off_op": "Tắt sóng {tech} theo doanh nghiệp",
        "stations_off": "Trạm {tech} đã tắt sóng",
        "stations_off_axis": "Tỷ lệ trạm {tech} đã tắt sóng (%)",
        "migrated": "Thuê bao {tech} đã chuyển sang 4G",
        "migrated_axis": "Tỷ lệ thuê bao {tech} đã chuyển sang 4G (%)",
        "province": "Toàn tỉnh: {value}",
        "cables": "Chỉnh trang cáp viễn thông so với kế hoạch",
        "planned": "Theo kế hoạch",
        "tidied": "Đã chỉnh trang",
        "underground": "Đã ngầm hóa",
        "km": "km",
        "sites_5g": "Trạm 5G theo đơn vị hành chính và doanh nghiệp",
        "sites_5g_new": "Trạm 5G mới theo đơn vị hành chính và doanh nghiệp",
        "sites": "Số trạm",
        "bts": "Vị trí BTS được chấp thuận và tình trạng",
        "locations": "Số vị trí",
        "cable_timeline": "Cáp viễn thông đã chỉnh trang, lũy kế theo tháng",
        "switch_off_timeline": "Trạm {tech} đã tắt sóng, lũy kế theo tháng",
        "in_month": "Trong tháng (tổng)",
        "total": "Tổng cộng",
        "stations": "Số trạm",
        "as_of": "đến ngày {date}",
        "period": "từ {since} đến {as_of}",
        "since": "từ ngày {date}",
        "no_data": "Không có số liệu",
        "unknown": "Không rõ",
        "coverage": "Vùng phủ sóng theo đơn vị hành chính, công nghệ và doanh nghiệp",
        "coverage_province": "Vùng phủ sóng toàn tỉnh theo công nghệ và doanh nghiệp",
        "covered_pct": "Tỷ lệ diện tích được phủ sóng (%)",
        "population_pct": "Tỷ lệ dân số được phủ sóng (%)",
        "any": "Ít nhất một doanh nghiệp",
        "all": "Mọi doanh nghiệp",
        "tech_total": "{tech}, toàn tỉnh: {value} ({what})",
        "tech": "Công nghệ",
    },
    "en": {
        "switch_off": "{tech} switch-off by administrative unit",
        "switch_off_op": "{tech} switch-off by operator",
        "stations_off": "{tech} stations switched off",
        "stations_off_axis": "{tech} stations switched off (%)",
        "migrated": "{tech} subscribers moved to 4G",
        "migrated_axis": "{tech} subscribers moved to 4G (%)",
        "province": "Province: {value}",
        "cables": "Telecom cable tidying against the plan",
        "planned": "In the plan",
        "tidied": "Tidied",
        "underground": "Put underground",
        "km": "km",
        "sites_5g": "5G sites by administrative unit and operator",
        "sites_5g_new": "New 5G sites by administrative unit and operator",
        "sites": "Sites",
        "bts": "BTS locations approved and where they stand",
        "locations": "Locations",
        "cable_timeline": "Telecom cable tidied, cumulative by month",
        "switch_off_timeline": "{tech} stations switched off, cumulative by month",
        "in_month": "In the month (total)",
        "total": "Total",
        "stations": "Stations",
        "as_of": "as of {date}",
        "period": "{since} to {as_of}",
        "since": "since {date}",
        "no_data": "No data",
        "unknown": "Unknown",
        "coverage": "Coverage by administrative unit, technology and operator",
        "coverage_province": "Province coverage by technology and operator",
        "covered_pct": "Share of the area covered (%)",
        "population_pct": "Share of the people covered (%)",
        "any": "Any operator",
        "all": "Every operator",
        "tech_total": "{tech}, province: {value} ({what})",
        "tech": "Technology",
    },
}
