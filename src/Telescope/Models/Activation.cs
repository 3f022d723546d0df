using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// An elementwise activation with its derivative. The derivative is what forward-mode JVPs and
/// layer-wise kernels need: ȧ = φ'(z) ⊙ ż, so it lives next to the function it differentiates.
/// </summary>
public sealed record Activation(ActivationKind Kind, double Epsilon = 0.0)
{
    public static Activation Identity { get; } = new(ActivationKind.Identity);
    public static Activation ReLU { get; } = new(ActivationKind.ReLU);
    public static Activation Sigmoid { get; } = new(ActivationKind.Sigmoid);
    public static Activation Tanh { get; } = new(ActivationKind.Tanh);
    public static Activation Polynomial(double epsilon) => new(ActivationKind.Polynomial, epsilon);

    /// <summary>φ(z).</summary>
    public Tensor Apply(Tensor z) => Kind switch
    {
        ActivationKind.Identity => z.alias(),
        ActivationKind.ReLU => nn.functional.relu(z),
        ActivationKind.Sigmoid => torch.sigmoid(z),
        ActivationKind.Tanh => torch.tanh(z),
        ActivationKind.Polynomial => PolynomialValue(z),
        _ => throw new InvalidOperationException($"Unknown activation {Kind}."),
    };

    /// <summary>φ'(z), elementwise. ReLU uses φ'(0) = 0, as autograd does.</summary>
    public Tensor Derivative(Tensor z)
    {
        switch (Kind)
        {
            case ActivationKind.Identity: return torch.ones_like(z);
            case ActivationKind.ReLU:
                {
                    // sign(relu(z)) ∈ {0, 1}: a float path; comparisons yield bool tensors whose promotion is slow.
                    using var r = nn.functional.relu(z);
                    return r.sign();
                }
            case ActivationKind.Sigmoid:
                {
                    using var s = torch.sigmoid(z);
                    using var oneMinusS = OneMinus(s);
                    return s.mul(oneMinusS);
                }
            case ActivationKind.Tanh:
                {
                    using var t = torch.tanh(z);
                    using var square = t.mul(t);
                    return OneMinus(square);
                }
            case ActivationKind.Polynomial:
                {
                    // 1 + εz
                    using var epsilon = Epsilon.ToScalar();
                    using var scaled = z.mul(epsilon);
                    return scaled.add(TorchScalars.One, TorchScalars.One);
                }
            default: throw new InvalidOperationException($"Unknown activation {Kind}.");
        }
    }

    // z + (ε/2)·z·z, in that order of operations. Scalars are held until LibTorch returns (see TorchScalars).
    private Tensor PolynomialValue(Tensor z)
    {
        using var half = (Epsilon / 2.0).ToScalar();
        using var scaled = z.mul(half);
        using var quadratic = scaled.mul(z);
        return z.add(quadratic, TorchScalars.One);
    }

    // 1 − x, formed as (−x) + 1 like TorchSharp's operator.
    private static Tensor OneMinus(Tensor x)
    {
        using var negated = x.negative();
        return negated.add(TorchScalars.One, TorchScalars.One);
    }

    /// <summary>Parses "relu", "sigmoid", "tanh", "identity" or "poly:0.02".</summary>
    public static Activation Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.StartsWith("poly", StringComparison.Ordinal))
        {
            var colon = t.IndexOf(':');
            if (colon < 0 || !double.TryParse(t[(colon + 1)..], System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var eps))
                throw new ArgumentException($"Activation '{text}': write the polynomial as poly:EPSILON, e.g. poly:0.02.");
            return Polynomial(eps);
        }
        return t switch
        {
            "identity" or "linear" or "none" => Identity,
            "relu" => ReLU,
            "sigmoid" => Sigmoid,
            "tanh" => Tanh,
            _ => throw new ArgumentException($"Unknown activation '{text}'. Use relu, sigmoid, tanh, identity or poly:EPSILON."),
        };
    }

    public override string ToString() => Kind == ActivationKind.Polynomial
        ? FormattableString.Invariant($"poly:{Epsilon}")
        : Kind.ToString().ToLowerInvariant();
}
