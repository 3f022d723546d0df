using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Telescope.Analyzers;
using Xunit;

namespace Telescope.Tests.Build;

/// <summary>
/// The analyzer that keeps TorchSharp Scalars alive across native calls, run on small programs compiled against the
/// real TorchSharp assembly: each unsafe form is reported with its rule at its place, and the safe forms are not.
/// </summary>
public sealed class ScalarLifetimeAnalyzerTests
{
    [Fact]
    public void ReportsEveryScalarThatNothingKeepsAlive()
    {
        var diagnostics = Analyze("""
            static Tensor Unsafe(Tensor a, Tensor b, double c)
            {
                a.mul_(c);                           // TEL0001: double → Scalar
                a.add_(b);                           // TEL0002: alpha 1 made inside TorchSharp
                var d = a * 2.0;                     // TEL0002: 2.0 made a Scalar inside the operator
                var e = a + b;                       // TEL0002: + is add(other), alpha 1
                var f = torch.where(a.gt(b), 1L, -1L); // TEL0001 twice: long → Tensor
                a += b;                              // TEL0002: a = a + b
                var g = a.square();                  // TEL0002: square() is pow(2)
                return a.add_(b, alpha: c);          // TEL0001
            }
            """);
        Assert.Equal(
            new[] { ("TEL0001", 3), ("TEL0002", 4), ("TEL0002", 5), ("TEL0002", 6), ("TEL0001", 7), ("TEL0001", 7), ("TEL0002", 8), ("TEL0002", 9), ("TEL0001", 10) },
            diagnostics);
    }

    [Fact]
    public void AcceptsScalarsHeldUntilTheCallReturns()
    {
        var diagnostics = Analyze("""
            static Tensor Safe(Tensor a, Tensor b, double c, Scalar one)
            {
                using var scale = c.ToScalar();
                a.mul_(scale).add_(b, one);
                var d = a * scale;                   // Tensor × Scalar: mul(scale), nothing made inside
                var e = a - b;                       // sub(other) takes no alpha
                var f = a.pow(one);                  // pow with a Scalar the caller holds
                return a.div(scale);
            }
            """);
        Assert.Empty(diagnostics);
    }

    // Compiles the method inside a class against TorchSharp and returns (rule, line within the method) in source order.
    private static (string Id, int Line)[] Analyze(string method)
    {
        const string header = "using TorchSharp;\nusing static TorchSharp.torch;\nstatic class Sample\n{\n";
        var source = header + method + "\n}\n";
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.Scalar).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("Sample", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));
        var analyzed = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ScalarLifetimeAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        int methodStart = header.Count(ch => ch == '\n') + 1;   // the method's first line is line 1
        return analyzed
            .OrderBy(d => d.Location.SourceSpan.Start)
            .Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 2 - methodStart))
            .ToArray();
    }
}
