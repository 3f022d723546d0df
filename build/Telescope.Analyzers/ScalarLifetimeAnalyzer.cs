using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Telescope.Analyzers;

/// <summary>
/// Flags TorchSharp calls that hand LibTorch a <c>TorchSharp.Scalar</c> nobody keeps alive.
/// <para>
/// Why: a Scalar wraps a native <c>c10::Scalar</c> and frees it in its finalizer. TorchSharp (0.107) reads
/// <c>scalar.Handle</c> and then calls into LibTorch without <c>GC.KeepAlive</c>, so a Scalar that exists only
/// for that call (an implicit <c>double → Scalar</c> conversion, or the <c>alpha = 1</c> that
/// <c>Tensor.add(other)</c> creates inside TorchSharp) is unreachable while LibTorch still reads it. A garbage
/// collection started by another thread in that window lets the finalizer thread free it: LibTorch then reads
/// freed memory. Seen in CI as <c>toDouble … Expected false to be true</c> from <c>add_(eps)</c> in the Adam
/// update while other tests ran in parallel. Tensors are not affected in the same way where the solution's
/// code runs inside a DisposeScope (the scope references them); Scalars are never registered on a scope.
/// </para>
/// <para>The cure is a Scalar held by a variable that is disposed after the call (<c>using var s = x.ToScalar();</c>)
/// or one of the static ones in <c>Telescope.TorchScalars</c>.</para>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarLifetimeAnalyzer : DiagnosticAnalyzer
{
    public const string ImplicitScalarId = "TEL0001";
    public const string HiddenScalarId = "TEL0002";

    private static readonly DiagnosticDescriptor ImplicitScalar = new(
        ImplicitScalarId,
        "Implicit TorchSharp.Scalar or Tensor",
        "'{0}' becomes a TorchSharp.{1} that nothing keeps alive during the native call, so its finalizer can free it mid-call; create it in a using declaration (ToScalar(), torch.tensor(…)), or use TorchScalars",
        "Reliability", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor HiddenScalar = new(
        HiddenScalarId,
        "TorchSharp creates a Scalar inside this call",
        "'{0}' creates a TorchSharp.Scalar inside TorchSharp that its finalizer can free during the native call; {1}",
        "Reliability", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(ImplicitScalar, HiddenScalar);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeConversion, OperationKind.Conversion);
        context.RegisterOperationAction(AnalyzeInvocation, OperationKind.Invocation);
        context.RegisterOperationAction(AnalyzeOperator, OperationKind.Binary, OperationKind.CompoundAssignment);
    }

    private static void AnalyzeConversion(OperationAnalysisContext context)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.OperatorMethod is not { Name: "op_Implicit" } method) return;
        if (IsScalar(method.ReturnType) || IsTensor(method.ReturnType))
            context.ReportDiagnostic(Diagnostic.Create(ImplicitScalar, conversion.Syntax.GetLocation(),
                conversion.Operand.Syntax.ToString(), IsScalar(method.ReturnType) ? "Scalar" : "Tensor"));
    }

    // Tensor.add(x) and add_(x) call add(x, alpha: 1); addcdiv(a, b) calls addcdiv(a, b, value: 1); celu() and elu()
    // pass their constants as new Scalars; square() calls pow(2).
    private static void AnalyzeInvocation(OperationAnalysisContext context)
    {
        var method = ((IInvocationOperation)context.Operation).TargetMethod;
        if (!IsTensor(method.ContainingType)) return;
        bool hidden = method.Name switch
        {
            "add" or "add_" => method.Parameters.Length == 1,
            "addcdiv" or "addcdiv_" => method.Parameters.Length == 2,
            "celu" or "celu_" => method.Parameters.Length == 0,
            "elu" or "elu_" => method.Parameters.Length == 1,
            _ => false,
        };
        if (hidden)
            context.ReportDiagnostic(Diagnostic.Create(HiddenScalar, context.Operation.Syntax.GetLocation(), method.Name,
                "pass the scale explicitly (e.g. alpha: TorchScalars.One)"));
        // square() is pow(2): the exponent becomes a temporary Scalar (seen in a test run as an assert at Scalar.h:279).
        else if (method.Name is "square" or "square_" && method.Parameters.Length == 0)
            context.ReportDiagnostic(Diagnostic.Create(HiddenScalar, context.Operation.Syntax.GetLocation(), method.Name,
                "call pow(TorchScalars.Two), the same call with a Scalar that lives for the process"));
    }

    // Tensor's operators with a number operand turn it into a Scalar inside TorchSharp; every + calls add(other)
    // (alpha: 1), and Scalar − Tensor is −t + s.
    private static void AnalyzeOperator(OperationAnalysisContext context)
    {
        var (method, kind) = context.Operation switch
        {
            IBinaryOperation binary => (binary.OperatorMethod, binary.OperatorKind),
            ICompoundAssignmentOperation compound => (compound.OperatorMethod, compound.OperatorKind),   // t += 1.0
            _ => (null, BinaryOperatorKind.None),
        };
        if (method is null || !IsTensor(method.ContainingType)) return;
        bool numberOperand = method.Parameters.Any(p => p.Type.SpecialType != SpecialType.None);
        bool hiddenAlpha = kind == BinaryOperatorKind.Add
            || (kind == BinaryOperatorKind.Subtract && IsScalar(method.Parameters[0].Type));
        if (!numberOperand && !hiddenAlpha) return;
        var syntax = context.Operation.Syntax;
        context.ReportDiagnostic(Diagnostic.Create(HiddenScalar, syntax.GetLocation(), syntax.ToString(),
            "call the method (add, sub, mul, div, ge, …) with a Scalar held in a using declaration or from TorchScalars"));
    }

    private static bool IsScalar(ITypeSymbol type) =>
        type.Name == "Scalar" && type.ContainingNamespace?.ToDisplayString() == "TorchSharp";

    private static bool IsTensor(ITypeSymbol? type) =>
        type is { Name: "Tensor", ContainingType: { Name: "torch" } torch } && torch.ContainingNamespace?.ToDisplayString() == "TorchSharp";
}
