namespace Telescope.Data.Tabular;

/// <summary>The numerical regression suite of Grinsztajn, Oyallon &amp; Varoquaux (2022) as shipped in the shared data folder.</summary>
public enum TabularBenchmark
{
    Houses,
    CpuAct,
    House16H,
    WineQuality,
    Elevators,
    Ailerons,
    MiamiHousing2016,
    Diamonds,
    Pol,
}
