// util/geo.h — great-circle distance on the WGS-84 mean sphere.
#pragma once

namespace zhisuan::geo {

struct LatLon {
  double lat_deg = 0;
  double lon_deg = 0;
};

// Haversine distance in km between two points (mean Earth radius 6371.0088 km).
double DistanceKm(LatLon a, LatLon b);

}  // namespace zhisuan::geo
