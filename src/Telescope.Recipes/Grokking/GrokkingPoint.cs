namespace Telescope.Recipes.Grokking;

/// <summary>
/// One logged step of a grokking sub-run: the loss-type metric on the training and test sets (MSE for the
/// polynomial task, classification error for MNIST), the effective parameters p_train, p_test (docs/method.md §5.1) with
/// their standard errors (0 when the smoother is exact), and, for classifiers, the MSE next to the error.
/// <see cref="PGapSe"/> is the standard error of p_train − p_test over the same Hutchinson directions: the two
/// estimates share their directions, so their difference is known much better than either SE suggests.
/// </summary>
internal sealed record GrokkingPoint(
    int Step,
    double Train,
    double Test,
    double PTrain,
    double PTrainSe,
    double PTest,
    double PTestSe,
    double? TrainMse = null,
    double? TestMse = null,
    double? PGapSe = null);
