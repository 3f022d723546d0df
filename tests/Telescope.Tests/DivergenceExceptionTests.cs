using Xunit;

namespace Telescope.Tests;

public class DivergenceExceptionTests
{
    [Fact]
    public void MessageNamesSubRunStepAndRemedy()
    {
        var e = Assert.Throws<DivergenceException>(() => DivergenceException.ThrowIfNotFinite(double.NaN, "adamw lr=1", 42));
        Assert.IsAssignableFrom<TelescopeException>(e);
        Assert.Contains("'adamw lr=1'", e.Message);
        Assert.Contains("step 42", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("learning rate", e.Message);
        DivergenceException.ThrowIfNotFinite(1.0, "ok", 0); // finite: no throw
    }
}
