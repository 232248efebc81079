// Constants shared by the vector math of simd_avx512.h and simd_avx2.h (portable: no
// intrinsics here).
#pragma once

namespace bertc::kernels::x86::simd_const {

// exp range reduction: x = n ln2 + r with ln2 = kLn2Hi + kLn2Lo (kLn2Hi exact in 9 bits, so
// n * kLn2Hi is exact for |n| < 2^15).
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
// Cephes expf: e^r ~ 1 + r + r^2 (P0 r^5 + P1 r^4 + ... + P5), |r| <= ln2 / 2.
inline constexpr float kExpP0 = 1.9875691500e-4f;
inline constexpr float kExpP1 = 1.3981999507e-3f;
inline constexpr float kExpP2 = 8.3334519073e-3f;
inline constexpr float kExpP3 = 4.1665795894e-2f;
inline constexpr float kExpP4 = 1.6666665459e-1f;
inline constexpr float kExpP5 = 5.0000001201e-1f;

// Double-precision exp: two-part ln2 (kLn2HiD has 32 significant bits) and 1/k!.
inline constexpr double kLog2eD = 1.4426950408889634074;
inline constexpr double kLn2HiD = 0.693147180369123816490;
inline constexpr double kLn2LoD = 1.90821492927058770002e-10;
inline constexpr double kInvFact[12] = {1.0,
                                        1.0,
                                        1.0 / 2,
                                        1.0 / 6,
                                        1.0 / 24,
                                        1.0 / 120,
                                        1.0 / 720,
                                        1.0 / 5040,
                                        1.0 / 40320,
                                        1.0 / 362880,
                                        1.0 / 3628800,
                                        1.0 / 39916800};

// tanh(x) ~ x P(x^2) / Q(x^2) for |x| <= kTanhClamp (Eigen's generic_fast_tanh_float), with
// tanh(x) = x for |x| < kTanhTiny.
inline constexpr float kTanhClamp = 7.90531110763549805f;
inline constexpr float kTanhTiny = 0.0004f;
inline constexpr float kTanhA1 = 4.89352455891786e-03f;
inline constexpr float kTanhA3 = 6.37261928875436e-04f;
inline constexpr float kTanhA5 = 1.48572235717979e-05f;
inline constexpr float kTanhA7 = 5.12229709037114e-08f;
inline constexpr float kTanhA9 = -8.60467152213735e-11f;
inline constexpr float kTanhA11 = 2.00018790482477e-13f;
inline constexpr float kTanhA13 = -2.76076847742355e-16f;
inline constexpr float kTanhB0 = 4.89352518554385e-03f;
inline constexpr float kTanhB2 = 2.26843463243900e-03f;
inline constexpr float kTanhB4 = 1.18534705686654e-04f;
inline constexpr float kTanhB6 = 1.19825839466702e-06f;

// erf(x) ~ x P(x^2) / Q(x^2) for |x| <= 4 (Eigen's generic_fast_erf_float; erf rounds to +-1
// in float beyond).
inline constexpr float kErfClamp = 4.0f;
inline constexpr float kErfA[7] = {-2.72614225801306e-10f, 2.77068142495902e-08f,
                                   -2.10102402082508e-06f, -5.69250639462346e-05f,
                                   -7.34990630326855e-04f, -2.95459980854025e-03f,
                                   -1.60960333262415e-02f};
inline constexpr float kErfB[5] = {-1.45660718464996e-05f, -2.13374055278905e-04f,
                                   -1.68282697438203e-03f, -7.37332916720468e-03f,
                                   -1.42647390514189e-02f};

}  // namespace bertc::kernels::x86::simd_const
