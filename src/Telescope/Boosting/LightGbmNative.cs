using System.Runtime.InteropServices;

namespace Telescope.Boosting;

/// <summary>
/// Source-generated P/Invoke declarations for the part of LightGBM's C API (c_api.h, v4.x) this project uses.
/// Every function returns 0 on success and -1 on failure; <see cref="Check"/> turns failures into
/// <see cref="LightGbmException"/> carrying <c>LGBM_GetLastError()</c>.
/// </summary>
internal static partial class LightGbmNative
{
    private const string Library = "lib_lightgbm";

    internal const int DTypeFloat32 = 0;
    internal const int DTypeFloat64 = 1;
    internal const int PredictRawScore = 1;
    internal const int PredictLeafIndex = 2;

    [LibraryImport(Library)]
    internal static partial IntPtr LGBM_GetLastError();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LGBM_DatasetCreateFromMat(
        void* data, int dataType, int nrow, int ncol, int isRowMajor, string parameters,
        IntPtr reference, out IntPtr handle);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LGBM_DatasetSetField(
        DatasetSafeHandle handle, string fieldName, void* fieldData, int numElement, int type);

    [LibraryImport(Library)]
    internal static partial int LGBM_DatasetFree(IntPtr handle);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LGBM_BoosterCreate(DatasetSafeHandle trainData, string parameters, out IntPtr handle);

    [LibraryImport(Library)]
    internal static partial int LGBM_BoosterFree(IntPtr handle);

    [LibraryImport(Library)]
    internal static partial int LGBM_BoosterUpdateOneIter(BoosterSafeHandle handle, out int isFinished);

    [LibraryImport(Library)]
    internal static partial int LGBM_BoosterGetCurrentIteration(BoosterSafeHandle handle, out int iteration);

    [LibraryImport(Library)]
    internal static partial int LGBM_BoosterNumberOfTotalModel(BoosterSafeHandle handle, out int models);

    [LibraryImport(Library)]
    internal static partial int LGBM_BoosterGetLeafValue(BoosterSafeHandle handle, int treeIndex, int leafIndex, out double value);

    [LibraryImport(Library)]
    internal static unsafe partial int LGBM_BoosterGetPredict(BoosterSafeHandle handle, int dataIndex, out long outLength, double* result);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LGBM_BoosterPredictForMat(
        BoosterSafeHandle handle, void* data, int dataType, int nrow, int ncol, int isRowMajor,
        int predictType, int startIteration, int numIteration, string parameter, out long outLength, double* result);

    /// <summary>Throws <see cref="LightGbmException"/> with LightGBM's own message when <paramref name="code"/> ≠ 0.</summary>
    internal static void Check(int code, string function)
    {
        if (code == 0) return;
        string message = Marshal.PtrToStringUTF8(LGBM_GetLastError()) ?? "(no message)";
        throw new LightGbmException(function, code, message);
    }
}
