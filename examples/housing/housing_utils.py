"""Cleaning and feature helpers for the housing notebook (kept out of the notebook so they can
be tested and reused)."""

import numpy as np
import pandas as pd

FEATURES = [
    "bedrooms",
    "bathrooms",
    "area_sqft",
    "age",
    "median_income",
    "distance_to_center_km",
    "area_per_room",
]


def parse_price(text):
    """'$1,234,000' -> 1234000.0; blanks become NaN."""
    if pd.isna(text):
        return np.nan
    return float(str(text).replace("$", "").replace(",", "").strip() or "nan")


def clean_listings(listings: pd.DataFrame) -> pd.DataFrame:
    df = listings.copy()
    df["price"] = df["price"].map(parse_price)
    df = df.dropna(subset=["price", "area_sqft"])
    df["bathrooms"] = df["bathrooms"].fillna(df["bathrooms"].median())
    df["neighbourhood"] = df["neighbourhood"].str.strip().str.title()
    return df[df["price"].between(50_000, 5_000_000)]


def add_features(df: pd.DataFrame, year: int = 2024) -> pd.DataFrame:
    out = df.copy()
    out["age"] = year - out["year_built"]
    out["area_per_room"] = out["area_sqft"] / out["bedrooms"].clip(lower=1)
    return out
